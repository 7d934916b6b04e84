package io.phalanx.runtime.transport;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;

/** The sending half of the framing {@link FrameDecoder} reads: length prefix, then the bytes. */
final class Frames {
    private Frames() {
    }

    /** Wraps (does not copy) {@code frame} behind its length; the caller must not change it afterwards. */
    static ByteBuf encode(byte[] frame) {
        ByteBuf length = Unpooled.buffer(FrameDecoder.LENGTH_BYTES, FrameDecoder.LENGTH_BYTES).writeInt(frame.length);
        return Unpooled.wrappedBuffer(length, Unpooled.wrappedBuffer(frame));
    }
}
