package io.phalanx.ordering;

import com.google.protobuf.ByteString;
import org.hyperledger.fabric.protos.common.ChannelHeader;
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

    /** A config envelope on {@code channel}. */
    static ByteString config(String channel, String txId) {
        return envelope(channel, HeaderType.CONFIG, txId, 16, (byte) 'c');
    }

    static ByteString envelope(String channel, HeaderType type, String txId, int dataBytes, byte fill) {
        ChannelHeader channelHeader = ChannelHeader.newBuilder().setType(type.getNumber()).setChannelId(channel)
                .setTxId(txId).build();
        byte[] data = new byte[dataBytes];
        java.util.Arrays.fill(data, fill);
        Payload payload = Payload.newBuilder()
                .setHeader(Header.newBuilder().setChannelHeader(channelHeader.toByteString()))
                .setData(ByteString.copyFrom(data)).build();
        return Envelope.newBuilder().setPayload(payload.toByteString()).setSignature(ByteString.copyFromUtf8("sig-" + txId))
                .build().toByteString();
    }
}
