package io.phalanx.core.client;

import io.phalanx.core.message.Bytes;
import io.phalanx.core.message.Request;
import io.phalanx.core.message.RequestId;

import java.util.List;

/**
 * What the client driver must do after a step: send each request in {@code broadcasts} to every
 * replica, report {@code completions} to the callers, and arm {@code timers}.
 */
public record ClientOutput(List<Broadcast> broadcasts, List<Completion> completions, List<Timer> timers) {
    public static final ClientOutput EMPTY = new ClientOutput(List.of(), List.of(), List.of());

    public ClientOutput {
        broadcasts = List.copyOf(broadcasts);
        completions = List.copyOf(completions);
        timers = List.copyOf(timers);
    }

    /** Send {@code request}, made for operation {@code operationId}, to every replica. */
    public record Broadcast(long operationId, Request request) {
    }

    /**
     * Operation {@code operationId} has its final result: enough replicas returned
     * {@code result} for request {@code acceptedRequest}.
     */
    public record Completion(long operationId, RequestId acceptedRequest, Bytes result) {
    }

    /**
     * Call {@link ClientCore#onTimeout} with these arguments at {@code deadlineMs}; a timer whose
     * attempt is no longer current is ignored, so drivers never need to cancel timers.
     */
    public record Timer(long operationId, int attempt, long deadlineMs) {
    }
}
