package io.phalanx.runtime;

/**
 * A client call that did not produce a result: the client was closed, too many calls were
 * waiting, or (see {@link PhalanxTimeoutException}) no quorum answered in time. Unchecked, so
 * that {@link Client#invoke} reads like a local call; asynchronous calls complete their future
 * exceptionally with it.
 */
public class PhalanxException extends RuntimeException {
    /**
     * A failed call.
     *
     * @param message why the call has no result
     */
    public PhalanxException(String message) {
        super(message);
    }

    /**
     * A failed call, caused by another failure.
     *
     * @param message why the call has no result
     * @param cause   the failure behind it
     */
    public PhalanxException(String message, Throwable cause) {
        super(message, cause);
    }
}
