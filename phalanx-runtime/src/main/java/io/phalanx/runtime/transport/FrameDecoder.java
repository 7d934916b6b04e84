package io.phalanx.runtime.transport;

import io.netty.buffer.ByteBuf;
import io.netty.channel.ChannelHandlerContext;
import io.netty.handler.codec.ByteToMessageDecoder;
import io.netty.handler.codec.DecoderException;

import java.util.List;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;

/**
 * Splits the decrypted byte stream into frames: a 4-byte big-endian length, then that many
 * bytes. A length that is negative or above {@code frameBytesMax} is hostile or corrupt; the
 * decoder raises {@link BadFrameException} (the connection handler closes just this
 * connection) and ignores every byte after it. The length is checked before any buffering,
 * so a peer cannot make us hold more than one frame's worth of its input.
 *
 * <p>Nor can it hold that much for long: a frame whose first byte arrived more than
 * {@code frameIncompleteMs} ago and that is still incomplete raises
 * {@link IncompleteFrameException} (the connection handler closes the connection). Without this
 * bound an authenticated peer could announce a 16 MiB frame, send part of it and keep the
 * buffer, and the connection, forever. The bound is on the whole frame, not on silence between
 * bytes, so trickling one byte a second does not extend it; at the default (30 s) a full 16 MiB
 * frame needs about 0.6 MB/s.
 */
final class FrameDecoder extends ByteToMessageDecoder {
    static final int LENGTH_BYTES = 4;

    private final int frameBytesMax;
    private final long frameIncompleteMs;
    private boolean failed;
    private long framesDecoded;
    /** When the bytes now buffered began to arrive ({@link System#nanoTime}); meaningful while some are. */
    private long incompleteSinceNanos;
    private ScheduledFuture<?> incompleteCheck;

    FrameDecoder(int frameBytesMax, long frameIncompleteMs) {
        this.frameBytesMax = frameBytesMax;
        this.frameIncompleteMs = frameIncompleteMs;
    }

    /** A frame stayed incomplete longer than {@code frameIncompleteMs}. */
    static final class IncompleteFrameException extends DecoderException {
        IncompleteFrameException(String message) {
            super(message);
        }
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object message) throws Exception {
        long framesBefore = framesDecoded;
        super.channelRead(ctx, message);
        if (failed || actualReadableBytes() == 0) {
            cancelCheck();
        } else if (framesDecoded != framesBefore || incompleteCheck == null) {
            // A new frame began in this read (frames before it, if any, completed): its clock starts now.
            cancelCheck();
            incompleteSinceNanos = System.nanoTime();
            incompleteCheck = ctx.executor().schedule(() -> checkIncomplete(ctx), frameIncompleteMs, TimeUnit.MILLISECONDS);
        }
    }

    private void checkIncomplete(ChannelHandlerContext ctx) {
        incompleteCheck = null;
        int buffered = actualReadableBytes();
        if (failed || buffered == 0 || !ctx.channel().isActive()) {
            return;
        }
        long ageMs = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - incompleteSinceNanos);
        failed = true;
        ctx.fireExceptionCaught(new IncompleteFrameException("frame still incomplete after " + ageMs + " ms ("
                + buffered + " bytes of it received; timeouts.frameIncompleteMs is " + frameIncompleteMs + ")"));
    }

    private void cancelCheck() {
        if (incompleteCheck != null) {
            incompleteCheck.cancel(false);
            incompleteCheck = null;
        }
    }

    @Override
    protected void handlerRemoved0(ChannelHandlerContext ctx) {
        cancelCheck();
    }

    @Override
    protected void decode(ChannelHandlerContext ctx, ByteBuf in, List<Object> out) {
        if (failed) {
            in.skipBytes(in.readableBytes());
            return;
        }
        if (in.readableBytes() < LENGTH_BYTES) {
            return;
        }
        int length = in.getInt(in.readerIndex());
        if (length < 0 || length > frameBytesMax) {
            failed = true;
            in.skipBytes(in.readableBytes());
            throw new BadFrameException("frame length " + length + " outside 0.." + frameBytesMax);
        }
        if (in.readableBytes() < LENGTH_BYTES + length) {
            return;
        }
        in.skipBytes(LENGTH_BYTES);
        byte[] frame = new byte[length];
        in.readBytes(frame);
        framesDecoded++;
        out.add(frame);
    }
}
