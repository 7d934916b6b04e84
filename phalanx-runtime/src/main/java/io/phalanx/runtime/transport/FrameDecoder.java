package io.phalanx.runtime.transport;

import io.netty.buffer.ByteBuf;
import io.netty.channel.ChannelHandlerContext;
import io.netty.handler.codec.ByteToMessageDecoder;

import java.util.List;

/**
 * Splits the decrypted byte stream into frames: a 4-byte big-endian length, then that many
 * bytes. A length that is negative or above {@code frameBytesMax} is hostile or corrupt; the
 * decoder raises {@link BadFrameException} (the connection handler closes just this
 * connection) and ignores every byte after it. The length is checked before any buffering,
 * so a peer cannot make us hold more than one frame's worth of its input.
 */
final class FrameDecoder extends ByteToMessageDecoder {
    static final int LENGTH_BYTES = 4;

    private final int frameBytesMax;
    private boolean failed;

    FrameDecoder(int frameBytesMax) {
        this.frameBytesMax = frameBytesMax;
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
        out.add(frame);
    }
}
