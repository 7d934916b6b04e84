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
 */
public record ClientOutput(List<Transmission> transmissions, List<Completion> completions, List<Timer> timers,
                           List<Failure> failures) {
    public static final ClientOutput EMPTY = new ClientOutput(List.of(), List.of(), List.of());

    public ClientOutput {
        transmissions = List.copyOf(transmissions);
        completions = List.copyOf(completions);
        timers = List.copyOf(timers);
        failures = List.copyOf(failures);
    }

    /** An output without failures. */
    public ClientOutput(List<Transmission> transmissions, List<Completion> completions, List<Timer> timers) {
        this(transmissions, completions, timers, List.of());
    }

    /** A request, made for operation {@code operationId}, to send. */
    public sealed interface Transmission permits Broadcast, Unicast {
        long operationId();

        Request request();
    }

    /** Send {@code request} to every replica. */
    public record Broadcast(long operationId, Request request) implements Transmission {
    }

    /** Send {@code request} to replica {@code replica} only. */
    public record Unicast(long operationId, Request request, int replica) implements Transmission {
    }

    /**
     * Operation {@code operationId} has its final result: enough replicas returned
     * {@code result} for request {@code acceptedRequest}.
     */
    public record Completion(long operationId, RequestId acceptedRequest, Bytes result) {
    }

    /**
     * Operation {@code operationId} ended without a result: a quorum of replicas refused
     * {@code refusedRequest} for {@code reason}, which holds for the client's session as a whole.
     */
    public record Failure(long operationId, RequestId refusedRequest, Refusal.Reason reason) {
    }

    /**
     * Call {@link ClientCore#onTimeout} with these arguments at {@code deadlineMs}; a timer whose
     * attempt is no longer current is ignored, so drivers never need to cancel timers.
     */
    public record Timer(long operationId, int attempt, long deadlineMs) {
    }
}
