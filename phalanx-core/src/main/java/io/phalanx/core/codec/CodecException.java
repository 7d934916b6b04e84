package io.phalanx.core.codec;

/**
 * The only exception {@link MessageCodec} throws for bad input: malformed, truncated, oversized
 * or otherwise undecodable bytes. Callers drop the input (and count it); they never crash.
 */
public final class CodecException extends Exception {
    public CodecException(String message) {
        super(message);
    }

    public CodecException(String message, Throwable cause) {
        super(message, cause);
    }
}
