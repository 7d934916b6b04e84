package io.phalanx.runtime;

/**
 * A call refused at once because the client already holds its maximum of outstanding plus
 * waiting calls ({@code outstandingMax + waitingMax}); the caller should slow down.
 */
public final class PhalanxOverloadedException extends PhalanxException {
    public PhalanxOverloadedException(String message) {
        super(message);
    }
}
