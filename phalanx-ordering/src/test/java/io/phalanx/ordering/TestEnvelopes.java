package io.phalanx.ordering;

import com.google.protobuf.ByteString;
import org.hyperledger.fabric.protos.common.ChannelHeader;
import org.hyperledger.fabric.protos.common.ConfigEnvelope;
import org.hyperledger.fabric.protos.common.Envelope;
import org.hyperledger.fabric.protos.common.Header;
import org.hyperledger.fabric.protos.common.HeaderType;
import org.hyperledger.fabric.protos.common.Payload;

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
        return envelope(channel, HeaderType.CONFIG, txId,
                ChannelConfigs.batchConfig(maxMessageCount, absoluteMaxBytes, preferredMaxBytes, timeout));
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
