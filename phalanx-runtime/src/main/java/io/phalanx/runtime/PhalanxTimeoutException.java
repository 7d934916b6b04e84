package io.phalanx.runtime;

/**
 * No result reached the client from a quorum of replicas within the call timeout. For an
 * ordered operation the outcome is unknown: it may still be executed (exactly once) later, for
 * example once a leader change completes. The client keeps retransmitting it in the background
 * until it completes or the client is closed, so it keeps occupying one outstanding slot.
 */
public final class PhalanxTimeoutException extends PhalanxException {
    /**
     * A call that timed out.
     *
     * @param message which call and how long it waited
     */
    public PhalanxTimeoutException(String message) {
        super(message);
    }
}
