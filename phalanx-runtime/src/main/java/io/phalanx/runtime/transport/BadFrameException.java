package io.phalanx.runtime.transport;

import io.netty.handler.codec.CorruptedFrameException;

/** A length prefix that is negative or above {@code frameBytesMax}: the connection is closed. */
final class BadFrameException extends CorruptedFrameException {
    BadFrameException(String message) {
        super(message);
    }
}
