package io.phalanx.sim.check;

import io.phalanx.core.message.Bytes;
import io.phalanx.core.message.RequestId;

import java.util.List;

/**
 * One operation as a client saw it.
 *
 * @param clientId    the client
 * @param operation   the operation bytes
 * @param readOnly    the client first tried it as an unordered (read-only) request
 * @param sent        every request id the client sent for it (an unordered attempt and then an
 *                    ordered retry have different ids)
 * @param invokedAtMs simulated time the client invoked it
 * @param completedAtMs simulated time the client accepted a result, or -1 if it never did
 * @param completedAs the request whose replies the client accepted (null if not completed)
 * @param result      the accepted result (null if not completed)
 */
public record ClientOperation(long clientId, Bytes operation, boolean readOnly, List<RequestId> sent,
                              long invokedAtMs, long completedAtMs, RequestId completedAs, Bytes result) {
    /**
     * Copies the list of request ids.
     *
     * @param clientId      the client
     * @param operation     the operation bytes
     * @param readOnly      the client first tried it as an unordered request
     * @param sent          every request id the client sent for it
     * @param invokedAtMs   simulated time the client invoked it
     * @param completedAtMs simulated time the client accepted a result, or -1
     * @param completedAs   the request whose replies the client accepted, or null
     * @param result        the accepted result, or null
     */
    public ClientOperation {
        sent = List.copyOf(sent);
    }

    /**
     * Whether the client accepted a result.
     *
     * @return true if {@code completedAtMs} is set
     */
    public boolean completed() {
        return completedAtMs >= 0;
    }
}
