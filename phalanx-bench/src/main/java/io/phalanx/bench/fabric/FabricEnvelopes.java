package io.phalanx.bench.fabric;

import com.google.protobuf.ByteString;
import com.google.protobuf.InvalidProtocolBufferException;
import org.hyperledger.fabric.protos.common.ChannelHeader;
import org.hyperledger.fabric.protos.common.Envelope;
import org.hyperledger.fabric.protos.common.Header;
import org.hyperledger.fabric.protos.common.HeaderType;
import org.hyperledger.fabric.protos.common.Payload;

/**
 * The envelopes a load client broadcasts: Fabric {@code common.Envelope}s of an endorser
 * transaction with a channel, a transaction id and payload data of zeros (no creator signature:
 * the ordering service does not check one yet), and the transaction id read back from a
 * delivered one.
 */
public final class FabricEnvelopes {
    /** The largest envelope {@link #dataBytesFor} sizes: 16 MiB, a Phalanx frame. */
    public static final int ENVELOPE_BYTES_MAX = 16 << 20;

    private FabricEnvelopes() {
    }

    /**
     * An envelope for {@code channel} with transaction id {@code txId} and {@code data} as its
     * payload's data.
     *
     * @param channel the channel
     * @param txId    the transaction id, which the client finds it by in the blocks
     * @param data    the payload's data
     * @return the envelope
     */
    public static Envelope envelope(String channel, String txId, ByteString data) {
        ChannelHeader header = ChannelHeader.newBuilder().setType(HeaderType.ENDORSER_TRANSACTION_VALUE)
                .setChannelId(channel).setTxId(txId).build();
        Payload payload = Payload.newBuilder().setHeader(Header.newBuilder().setChannelHeader(header.toByteString()))
                .setData(data).build();
        return Envelope.newBuilder().setPayload(payload.toByteString()).build();
    }

    /**
     * How many bytes of payload data make an envelope of this channel, with transaction ids as
     * long as {@code txId}, {@code envelopeBytes} long when serialized; where no length of data
     * hits it exactly (protobuf length prefixes grow in steps), the most that stays below it.
     *
     * @param channel       the channel
     * @param txId          a transaction id as long as every one of the load
     * @param envelopeBytes the serialized size wanted, at most {@link #ENVELOPE_BYTES_MAX}
     * @return the data bytes
     * @throws IllegalArgumentException if even an envelope without data is larger, or the size is above the maximum
     */
    public static int dataBytesFor(String channel, String txId, int envelopeBytes) {
        int smallest = envelope(channel, txId, ByteString.EMPTY).getSerializedSize();
        if (envelopeBytes < smallest || envelopeBytes > ENVELOPE_BYTES_MAX) {
            throw new IllegalArgumentException("an envelope of channel '" + channel + "' takes " + smallest + " to "
                    + ENVELOPE_BYTES_MAX + " bytes (its headers alone take " + smallest + "), not " + envelopeBytes);
        }
        int data = envelopeBytes - smallest;
        // The data's own tag and length, and the longer payload's length, take a few bytes more.
        while (data > 0 && envelope(channel, txId, ByteString.copyFrom(new byte[data])).getSerializedSize() > envelopeBytes) {
            data--;
        }
        return data;
    }

    /**
     * The transaction id of a delivered envelope.
     *
     * @param envelope the envelope's bytes, as a block's data holds them
     * @return its channel header's transaction id
     * @throws InvalidProtocolBufferException if it is no envelope with a channel header
     */
    public static String txId(ByteString envelope) throws InvalidProtocolBufferException {
        Payload payload = Payload.parseFrom(Envelope.parseFrom(envelope).getPayload());
        return ChannelHeader.parseFrom(payload.getHeader().getChannelHeader()).getTxId();
    }
}
