package io.phalanx.core.replica;

import io.phalanx.core.message.Request;
import io.phalanx.core.message.RequestId;

import java.util.List;

/**
 * What the driver must do after a step, in this order: hand {@code decisions} to the execution
 * layer (in order; they are consecutive), send {@code sends}, answer {@code unordered} read-only
 * requests from current state, and resend cached replies for {@code replyResends}.
 *
 * <p>(When durability arrives, decisions are persisted before any message of the same step
 * leaves, as in etcd raft's {@code Ready}.)
 */
public record Output(List<Send> sends, List<Decision> decisions, List<Request> unordered,
                     List<RequestId> replyResends) {
    public static final Output EMPTY = new Output(List.of(), List.of(), List.of(), List.of());

    public Output {
        sends = List.copyOf(sends);
        decisions = List.copyOf(decisions);
        unordered = List.copyOf(unordered);
        replyResends = List.copyOf(replyResends);
    }

    public boolean isEmpty() {
        return sends.isEmpty() && decisions.isEmpty() && unordered.isEmpty() && replyResends.isEmpty();
    }
}
