package io.phalanx.ordering;

import com.google.protobuf.InvalidProtocolBufferException;
import org.hyperledger.fabric.protos.common.ChannelHeader;
import org.hyperledger.fabric.protos.common.Envelope;
import org.hyperledger.fabric.protos.common.Header;
import org.hyperledger.fabric.protos.common.HeaderType;
import org.hyperledger.fabric.protos.common.Payload;
import org.hyperledger.fabric.protos.orderer.SeekInfo;
import org.hyperledger.fabric.protos.orderer.SeekPosition;
import org.hyperledger.fabric.protos.orderer.SeekSpecified;

/**
 * A Fabric {@code Deliver} request: an envelope whose channel header names the channel and
 * whose payload holds a {@code SeekInfo}, resolved to the blocks it asks for.
 *
 * @param channelId   the channel
 * @param first       the first block to deliver
 * @param last        the last block to deliver ({@link Long#MAX_VALUE}: every block from then on)
 * @param waitIfAbsent whether to wait for blocks not yet cut ({@code BLOCK_UNTIL_READY}) rather
 *                    than answer {@code NOT_FOUND} ({@code FAIL_IF_NOT_READY})
 * @param headersOnly whether the blocks go without their data ({@code HEADER_WITH_SIG}): the header
 *                    and the signatures, which is all a frontend needs from most nodes
 */
public record Seek(String channelId, long first, long last, boolean waitIfAbsent, boolean headersOnly) {
    /**
     * Reads a deliver request and resolves its positions against the channel's blocks.
     *
     * @param request the envelope the client sent
     * @param oldest  the oldest block the channel has
     * @param newest  the newest block the channel has, -1 if none
     * @return the seek
     * @throws IllegalArgumentException if the request is no deliver request; the message says why
     */
    static Seek parse(Envelope request, long oldest, long newest) {
        return resolve(channel(request), seekInfo(request), oldest, newest);
    }

    /** The channel a deliver request names. */
    static String channel(Envelope request) {
        try {
            Payload payload = Payload.parseFrom(request.getPayload());
            ChannelHeader header = ChannelHeader.parseFrom(payload.getHeader().getChannelHeader());
            if (header.getChannelId().isEmpty()) {
                throw new IllegalArgumentException("the deliver request names no channel");
            }
            return header.getChannelId();
        } catch (InvalidProtocolBufferException e) {
            throw new IllegalArgumentException("not a deliver request: " + e.getMessage(), e);
        }
    }

    private static SeekInfo seekInfo(Envelope request) {
        try {
            return SeekInfo.parseFrom(Payload.parseFrom(request.getPayload()).getData());
        } catch (InvalidProtocolBufferException e) {
            throw new IllegalArgumentException("the deliver request holds no SeekInfo: " + e.getMessage(), e);
        }
    }

    private static Seek resolve(String channel, SeekInfo info, long oldest, long newest) {
        long first = position(info.getStart(), oldest, newest, oldest);
        long last = info.hasStop() ? position(info.getStop(), oldest, newest, Long.MAX_VALUE) : first;
        if (last < first) {
            throw new IllegalArgumentException("the seek stops at block " + last + ", before its start " + first);
        }
        return new Seek(channel, first, last, info.getBehavior() != SeekInfo.SeekBehavior.FAIL_IF_NOT_READY,
                info.getContentType() == SeekInfo.SeekContentType.HEADER_WITH_SIG);
    }

    private static long position(SeekPosition position, long oldest, long newest, long unset) {
        return switch (position.getTypeCase()) {
            case OLDEST -> oldest;
            case NEWEST -> Math.max(newest, oldest);
            case SPECIFIED -> position.getSpecified().getNumber();
            case NEXT_COMMIT -> newest + 1;
            case TYPE_NOT_SET -> unset;
        };
    }

    /**
     * The deliver request for blocks {@code first} to {@code last} of a channel, waiting for
     * those not cut yet: what a frontend sends each node, and what a Fabric client sends.
     *
     * @param channelId the channel
     * @param first     the first block
     * @param last      the last block ({@link Long#MAX_VALUE} for all)
     * @return the request
     */
    public static Envelope request(String channelId, long first, long last) {
        return request(channelId, first, last, false);
    }

    /**
     * As {@link #request(String, long, long)}, asking for headers and signatures only if {@code headersOnly}.
     *
     * @param channelId   the channel
     * @param first       the first block
     * @param last        the last block ({@link Long#MAX_VALUE} for all)
     * @param headersOnly whether to ask for {@code HEADER_WITH_SIG}
     * @return the request
     */
    public static Envelope request(String channelId, long first, long last, boolean headersOnly) {
        SeekInfo info = SeekInfo.newBuilder()
                .setContentType(headersOnly ? SeekInfo.SeekContentType.HEADER_WITH_SIG : SeekInfo.SeekContentType.BLOCK)
                .setStart(SeekPosition.newBuilder().setSpecified(SeekSpecified.newBuilder().setNumber(first)))
                .setStop(SeekPosition.newBuilder().setSpecified(SeekSpecified.newBuilder().setNumber(last)))
                .setBehavior(SeekInfo.SeekBehavior.BLOCK_UNTIL_READY).build();
        ChannelHeader header = ChannelHeader.newBuilder().setType(HeaderType.DELIVER_SEEK_INFO_VALUE)
                .setChannelId(channelId).build();
        Payload payload = Payload.newBuilder().setHeader(Header.newBuilder().setChannelHeader(header.toByteString()))
                .setData(info.toByteString()).build();
        return Envelope.newBuilder().setPayload(payload.toByteString()).build();
    }
}
