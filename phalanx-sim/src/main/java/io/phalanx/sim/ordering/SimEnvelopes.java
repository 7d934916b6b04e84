package io.phalanx.sim.ordering;

import com.google.protobuf.ByteString;
import org.hyperledger.fabric.protos.common.ChannelHeader;
import org.hyperledger.fabric.protos.common.Envelope;
import org.hyperledger.fabric.protos.common.Header;
import org.hyperledger.fabric.protos.common.HeaderType;
import org.hyperledger.fabric.protos.common.Payload;

/** Fabric transaction envelopes as the simulated clients make them, from fabric-protos' classes. */
public final class SimEnvelopes {
    private SimEnvelopes() {
    }

    /**
     * An endorser transaction on {@code channelId} carrying {@code data}, signed with bytes no one
     * checks (the simulated channels admit any writer).
     *
     * @param channelId the channel
     * @param txId      its transaction id, unique per envelope
     * @param data      its payload's data
     * @return the envelope's bytes
     */
    public static ByteString transaction(String channelId, String txId, byte[] data) {
        return envelope(channelId, HeaderType.ENDORSER_TRANSACTION, txId, ByteString.copyFrom(data));
    }

    /**
     * A config envelope on {@code channelId} whose data is {@code configData} (an encoded
     * {@code ConfigEnvelope}, such as {@link io.phalanx.ordering.ChannelConfigs#batchConfig} writes).
     *
     * @param channelId  the channel
     * @param txId       its transaction id, unique per envelope
     * @param configData its payload's data
     * @return the envelope's bytes
     */
    public static ByteString config(String channelId, String txId, ByteString configData) {
        return envelope(channelId, HeaderType.CONFIG, txId, configData);
    }

    private static ByteString envelope(String channelId, HeaderType type, String txId, ByteString data) {
        ChannelHeader channelHeader = ChannelHeader.newBuilder().setType(type.getNumber())
                .setChannelId(channelId).setTxId(txId).build();
        Payload payload = Payload.newBuilder()
                .setHeader(Header.newBuilder().setChannelHeader(channelHeader.toByteString()))
                .setData(data).build();
        return Envelope.newBuilder().setPayload(payload.toByteString())
                .setSignature(ByteString.copyFromUtf8("sig-" + txId)).build().toByteString();
    }
}
