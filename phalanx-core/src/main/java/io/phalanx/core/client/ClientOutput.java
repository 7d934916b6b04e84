package io.phalanx.core.client;

import io.phalanx.core.message.Bytes;
import io.phalanx.core.message.Refusal;
import io.phalanx.core.message.Request;
import io.phalanx.core.message.RequestId;

import java.util.List;

/**
 * What the client driver must do after a step: send each request in {@code transmissions} to
 * the replicas it names, report {@code completions} and {@code failures} to the callers, and arm
 * {@code timers}.
 *
 * @param transmissions requests to send, in order
 * @param completions   operations that have their final result
 * @param timers        timers to arm
 * @param failures      operations that ended without a result
 */
public record ClientOutput(List<Transmission> transmissions, List<Completion> completions, List<Timer> timers,
                           List<Failure> failures) {
    /** Nothing to do. */
    public static final ClientOutput EMPTY = new ClientOutput(List.of(), List.of(), List.of());

    /**
     * Copies the lists.
     *
     * @param transmissions requests to send, in order
     * @param completions   operations that have their final result
     * @param timers        timers to arm
     * @param failures      operations that ended without a result
     */
    public ClientOutput {
        transmissions = List.copyOf(transmissions);
        completions = List.copyOf(completions);
        timers = List.copyOf(timers);
        failures = List.copyOf(failures);
    }

    /**
     * An output without failures.
     *
     * @param transmissions requests to send, in order
     * @param completions   operations that have their final result
     * @param timers        timers to arm
     */
    public ClientOutput(List<Transmission> transmissions, List<Completion> completions, List<Timer> timers) {
        this(transmissions, completions, timers, List.of());
    }

    /** A request, made for operation {@code operationId}, to send. */
    public sealed interface Transmission permits Broadcast, Unicast {
        /**
         * The operation the request was made for.
         *
         * @return the caller's operation id
         */
        long operationId();

        /**
         * The request to send.
         *
         * @return the request, signed if the client signs
         */
        Request request();
    }

    /**
     * Send {@code request} to every replica.
     *
     * @param operationId the operation the request was made for
     * @param request     the request to send
     */
    public record Broadcast(long operationId, Request request) implements Transmission {
    }

    /**
     * Send {@code request} to replica {@code replica} only.
     *
     * @param operationId the operation the request was made for
     * @param request     the request to send
     * @param replica     the id of the replica to send it to
     */
    public record Unicast(long operationId, Request request, int replica) implements Transmission {
    }

    /**
     * Operation {@code operationId} has its final result: enough replicas returned
     * {@code result} for request {@code acceptedRequest}.
     *
     * @param operationId     the completed operation
     * @param acceptedRequest the request whose replies formed the quorum
     * @param result          the result a quorum of replicas returned
     */
    public record Completion(long operationId, RequestId acceptedRequest, Bytes result) {
    }

    /**
     * Operation {@code operationId} ended without a result: a quorum of replicas refused
     * {@code refusedRequest} for {@code reason}, which holds for the client's session as a whole.
     *
     * @param operationId    the failed operation
     * @param refusedRequest the request the replicas refused
     * @param reason         the reason most of the refusing replicas gave
     * @param viewId         the view most of those replicas are in (for {@link Refusal.Reason#VIEW_OUTDATED},
     *                       the view to learn)
     */
    public record Failure(long operationId, RequestId refusedRequest, Refusal.Reason reason, long viewId) {
    }

    /**
     * Call {@link ClientCore#onTimeout} with these arguments at {@code deadlineMs}; a timer whose
     * attempt is no longer current is ignored, so drivers never need to cancel timers.
     *
     * @param operationId the operation the timer is for
     * @param attempt     the attempt it was armed for
     * @param deadlineMs  when it fires, on the clock the driver passes as {@code nowMs}
     */
    public record Timer(long operationId, int attempt, long deadlineMs) {
    }
}
