package io.phalanx.runtime;

/**
 * A call refused at once because the client already holds its maximum of outstanding plus
 * waiting calls ({@code outstandingMax + waitingMax}); the caller should slow down.
 */
public final class PhalanxOverloadedException extends PhalanxException {
    /**
     * A call refused for overload.
     *
     * @param message how many calls the client holds and its limit
     */
    public PhalanxOverloadedException(String message) {
        super(message);
    }
}
