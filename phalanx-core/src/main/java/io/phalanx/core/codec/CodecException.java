package io.phalanx.core.codec;

/**
 * The only exception {@link MessageCodec} throws for bad input: malformed, truncated, oversized
 * or otherwise undecodable bytes. Callers drop the input (and count it); they never crash.
 */
public final class CodecException extends Exception {
    /**
     * An exception for input that cannot be decoded.
     *
     * @param message what is wrong with the input
     */
    public CodecException(String message) {
        super(message);
    }

    /**
     * An exception for input that cannot be decoded, found while handling another failure.
     *
     * @param message what is wrong with the input
     * @param cause   the failure that revealed it
     */
    public CodecException(String message, Throwable cause) {
        super(message, cause);
    }
}
