package io.phalanx.core.replica;

import io.phalanx.core.message.Request;
import io.phalanx.core.message.RequestKind;

/**
 * Client sessions at the ordering layer: decides what happens to a client request on arrival —
 * answered without ordering (read-only), queued for ordering, recognised as a retransmission, or
 * refused — keeping each client within its sequence window.
 */
final class RequestAdmission {
    private final ReplicaState state;
    private final NormalCase normalCase;

    RequestAdmission(ReplicaState state, NormalCase normalCase) {
        this.state = state;
        this.normalCase = normalCase;
    }

    void onRequest(Effects effects, Request request) {
        if (request.operation().length() > state.config.operationBytesMax()) {
            state.counters.increment(Counter.INVALID_REQUEST);
            return;
        }
        if (request.kind() == RequestKind.UNORDERED) {
            effects.executeUnordered(request);
            return;
        }
        SequenceWindow decided = state.decidedWindow(request.clientId());
        if (decided.isDone(request.sequence())) {
            state.counters.increment(Counter.REPLY_RESENT);
            effects.resendReply(request.id());
            return;
        }
        if (state.pending.contains(request.id())) {
            state.counters.increment(Counter.DUPLICATE_REQUEST);
            return;
        }
        if (!decided.admits(request.sequence()) || !state.verifier.isValid(request)) {
            state.counters.increment(Counter.INVALID_REQUEST);
            return;
        }
        if (state.pending.isFull()) {
            state.counters.increment(Counter.PENDING_FULL);
            return;
        }
        state.pending.add(request);
        normalCase.maybePropose(effects);
    }
}
