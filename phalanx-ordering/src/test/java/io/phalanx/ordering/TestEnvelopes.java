package io.phalanx.ordering;

import com.google.protobuf.ByteString;
import org.hyperledger.fabric.protos.common.ChannelHeader;
import org.hyperledger.fabric.protos.common.Config;
import org.hyperledger.fabric.protos.common.ConfigEnvelope;
import org.hyperledger.fabric.protos.common.ConfigGroup;
import org.hyperledger.fabric.protos.common.ConfigValue;
import org.hyperledger.fabric.protos.common.Envelope;
import org.hyperledger.fabric.protos.common.Header;
import org.hyperledger.fabric.protos.common.HeaderType;
import org.hyperledger.fabric.protos.common.Payload;
import org.hyperledger.fabric.protos.orderer.BatchSize;
import org.hyperledger.fabric.protos.orderer.BatchTimeout;

/** Fabric envelopes built from fabric-protos' generated classes, as a Fabric client builds them. */
final class TestEnvelopes {
    private TestEnvelopes() {
    }

    /** An endorser transaction on {@code channel} whose data is {@code dataBytes} bytes of {@code fill}. */
    static ByteString transaction(String channel, String txId, int dataBytes, byte fill) {
        return envelope(channel, HeaderType.ENDORSER_TRANSACTION, txId, dataBytes, fill);
    }

    /** A config envelope on {@code channel} that changes no ordering value. */
    static ByteString config(String channel, String txId) {
        return envelope(channel, HeaderType.CONFIG, txId, ConfigEnvelope.getDefaultInstance().toByteString());
    }

    /** A config envelope on {@code channel} whose {@code Orderer} group sets the batch size and timeout. */
    static ByteString batchConfig(String channel, String txId, int maxMessageCount, int absoluteMaxBytes,
                                  int preferredMaxBytes, String timeout) {
        ConfigGroup orderer = ConfigGroup.newBuilder()
                .putValues(ChannelConfigs.BATCH_SIZE, ConfigValue.newBuilder().setValue(BatchSize.newBuilder()
                        .setMaxMessageCount(maxMessageCount).setAbsoluteMaxBytes(absoluteMaxBytes)
                        .setPreferredMaxBytes(preferredMaxBytes).build().toByteString()).build())
                .putValues(ChannelConfigs.BATCH_TIMEOUT, ConfigValue.newBuilder().setValue(BatchTimeout.newBuilder()
                        .setTimeout(timeout).build().toByteString()).build())
                .build();
        ConfigEnvelope config = ConfigEnvelope.newBuilder().setConfig(Config.newBuilder().setSequence(1)
                .setChannelGroup(ConfigGroup.newBuilder().putGroups(ChannelConfigs.ORDERER_GROUP, orderer))).build();
        return envelope(channel, HeaderType.CONFIG, txId, config.toByteString());
    }

    static ByteString envelope(String channel, HeaderType type, String txId, int dataBytes, byte fill) {
        byte[] data = new byte[dataBytes];
        java.util.Arrays.fill(data, fill);
        return envelope(channel, type, txId, ByteString.copyFrom(data));
    }

    static ByteString envelope(String channel, HeaderType type, String txId, ByteString data) {
        ChannelHeader channelHeader = ChannelHeader.newBuilder().setType(type.getNumber()).setChannelId(channel)
                .setTxId(txId).build();
        Payload payload = Payload.newBuilder()
                .setHeader(Header.newBuilder().setChannelHeader(channelHeader.toByteString()))
                .setData(data).build();
        return Envelope.newBuilder().setPayload(payload.toByteString()).setSignature(ByteString.copyFromUtf8("sig-" + txId))
                .build().toByteString();
    }
}
