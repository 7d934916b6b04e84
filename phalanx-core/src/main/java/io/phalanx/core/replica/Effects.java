package io.phalanx.core.replica;

import io.phalanx.core.message.Accept;
import io.phalanx.core.message.Decision;
import io.phalanx.core.message.Refusal;
import io.phalanx.core.message.ReplicaMessage;
import io.phalanx.core.message.Request;
import io.phalanx.core.message.RequestId;

import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/** Collects the effects of one step; {@link #build()} freezes them into an {@link Output}. */
final class Effects {
    private Output.Restore restore;
    private HardState hardState;
    private final List<Send> sends = new ArrayList<>();
    private final List<Decision> decisions = new ArrayList<>();
    private final List<Request> unordered = new ArrayList<>();
    private final List<RequestId> replyResends = new ArrayList<>();
    private final List<Refusal> refusals = new ArrayList<>();
    private long repliesAwait;

    void send(int to, ReplicaMessage message) {
        sends.add(new Send(to, message));
    }

    /** The execution layer jumps to {@code checkpoint}; it must come before any decision of the step. */
    void restore(CheckpointImage checkpoint, List<Accept> proof) {
        if (!decisions.isEmpty()) {
            throw new IllegalStateException("a checkpoint installed after decisions of the same step");
        }
        restore = new Output.Restore(checkpoint, proof);
    }

    /** The hard state changed in this step: the driver persists it before the sends leave. */
    void hardState(HardState changed) {
        hardState = changed;
    }

    void decide(Decision decision, long repliesAwait) {
        decisions.add(decision);
        this.repliesAwait = Math.max(this.repliesAwait, repliesAwait);
    }

    void executeUnordered(Request request) {
        unordered.add(request);
    }

    void resendReply(RequestId id) {
        replyResends.add(id);
    }

    void refuse(Refusal refusal) {
        refusals.add(refusal);
    }

    Output build(long wakeAtMs) {
        return new Output(Optional.ofNullable(hardState), Optional.ofNullable(restore), sends, decisions, unordered,
                replyResends, refusals, wakeAtMs, 0, repliesAwait);
    }
}
