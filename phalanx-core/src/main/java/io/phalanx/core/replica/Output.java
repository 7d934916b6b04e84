package io.phalanx.core.replica;

import io.phalanx.core.message.Accept;
import io.phalanx.core.message.Decision;
import io.phalanx.core.message.Refusal;
import io.phalanx.core.message.Request;
import io.phalanx.core.message.RequestId;

import java.util.List;
import java.util.Objects;
import java.util.Optional;

/**
 * What the driver must do after a step, in this order: if {@code hardState} is present and the
 * driver promises durability, make it durable, with the step's {@code decisions}, before any of
 * {@code sends} leaves (a vote that left before the state that records it could be contradicted
 * after a crash: see {@link HardState}); if {@code restore} is present, replace
 * the execution layer's state with that checkpoint (state transfer installed it; the decisions
 * that follow continue from it); hand {@code decisions} to the execution layer (in order; they
 * are consecutive), send {@code sends}, answer {@code unordered} read-only requests from
 * current state, resend cached replies for {@code replyResends}, and send each of
 * {@code refusals} to its client unless a reply to the refused request is still cached, which is
 * sent instead (a request of a superseded session may have run before the newer session began).
 *
 * <p>{@code wakeAtMs} is when the core next wants an {@link Input.Tick} ({@link #NEVER} when no
 * timer runs). Ticks are idempotent and may come early: a driver keeps the earliest wake time
 * it was given and ticks then (under steady traffic every step says "one tick interval from
 * now", so a driver that always took the latest value would never tick).
 *
 * <p>{@code hardState}, when present, is the whole hard state after the step (it changed in the
 * step). Persisting before sending is etcd raft's {@code Ready} contract. A step with records to
 * persist (hard state, decisions, a restore) has a {@code persistSequence}, counting from 1 (0
 * for a step with none). A driver that persists synchronously sends after persisting. One that
 * persists asynchronously builds the core with {@link ReplicaConfig#sendsAwaitPersistence}: the
 * core then holds the sends of every step from one with records on (later steps' sends queue
 * behind, so messages keep their order) until the driver steps {@link Input.Persisted} with that
 * sequence, whose output carries them. PROPOSEs alone leave at once unless a leader-change
 * message is held ahead of them: they record no vote. The core never waits, and group commit can cover many
 * steps with one fsync.
 *
 * <p>A driver that promises durability sends the replies to {@code decisions} once the records
 * of step {@code repliesAwait} are durable: those of the step that recorded this replica's own
 * ACCEPT in the decision's quorum. Every other ACCEPT in it left its sender only once durable
 * there, so from then on a crash of every replica cannot lose the decision: the replicas that
 * accepted it report it to the next leader change, which binds it again. The decision's own
 * record need not be durable first, which takes one fsync off a reply's path. Read-only answers,
 * resent replies and refusals wait for every record logged before them.
 */
public record Output(Optional<HardState> hardState, Optional<Restore> restore, List<Send> sends, List<Decision> decisions,
                     List<Request> unordered, List<RequestId> replyResends, List<Refusal> refusals, long wakeAtMs,
                     long persistSequence, long repliesAwait) {
    /**
     * A checkpoint state transfer installed, with the proof of its last decision: the execution
     * layer jumps to it, and a driver that stores checkpoints stores it before any later decision.
     */
    public record Restore(CheckpointImage checkpoint, List<Accept> proof) {
        /**
         * Copies the proof.
         *
         * @param checkpoint the installed checkpoint image
         * @param proof      the signed ACCEPTs that decided the checkpoint's last instance
         */
        public Restore {
            Objects.requireNonNull(checkpoint, "checkpoint");
            proof = List.copyOf(proof);
        }
    }

    /** No tick wanted. */
    public static final long NEVER = Long.MAX_VALUE;

    /**
     * A step's output with no records to persist, or whose persist sequence does not matter (tests).
     *
     * @param hardState    the whole hard state after the step, if the step changed it
     * @param restore      the checkpoint state transfer installed in the step, if any
     * @param sends        messages to other replicas; with a promise of durability they leave only
     *                     once the step's records are durable
     * @param decisions    decisions for the execution layer, consecutive and in order
     * @param unordered    read-only requests to answer from current state
     * @param replyResends requests whose cached replies go to their clients again
     * @param refusals     refusals for clients, each replaced by the refused request's reply if
     *                     that is cached
     * @param wakeAtMs     when the core next wants a tick; {@link #NEVER} if no timer runs
     */
    public Output(Optional<HardState> hardState, Optional<Restore> restore, List<Send> sends, List<Decision> decisions,
                  List<Request> unordered, List<RequestId> replyResends, List<Refusal> refusals, long wakeAtMs) {
        this(hardState, restore, sends, decisions, unordered, replyResends, refusals, wakeAtMs, 0, 0);
    }

    /**
     * Checks that the optionals are there and copies the lists.
     *
     * @param hardState       the whole hard state after the step, if the step changed it
     * @param restore         the checkpoint state transfer installed in the step, if any
     * @param sends           messages to other replicas; with a promise of durability they leave
     *                        only once the step's records are durable
     * @param decisions       decisions for the execution layer, consecutive and in order
     * @param unordered       read-only requests to answer from current state
     * @param replyResends    requests whose cached replies go to their clients again
     * @param refusals        refusals for clients, each replaced by the refused request's reply if
     *                        that is cached
     * @param wakeAtMs        when the core next wants a tick; {@link #NEVER} if no timer runs
     * @param persistSequence numbers this step's records to persist, counting from 1; 0 for a step
     *                        with none
     * @param repliesAwait    the persist sequence whose records must be durable before the
     *                        replies to {@code decisions} leave, under a promise of durability; 0
     *                        if they need not wait
     */
    public Output {
        Objects.requireNonNull(hardState, "hardState");
        Objects.requireNonNull(restore, "restore");
        sends = List.copyOf(sends);
        decisions = List.copyOf(decisions);
        unordered = List.copyOf(unordered);
        replyResends = List.copyOf(replyResends);
        refusals = List.copyOf(refusals);
    }

    /**
     * True if the step has records the driver must persist (hard state, decisions, a restore).
     *
     * @return true if the step has a persist sequence to number its records by
     */
    public boolean persists() {
        return hardState.isPresent() || restore.isPresent() || !decisions.isEmpty();
    }

    /** This output with {@code sends} instead of its own, and its persist sequence. */
    Output withSends(List<Send> released, long sequence) {
        return new Output(hardState, restore, released, decisions, unordered, replyResends, refusals, wakeAtMs, sequence,
                repliesAwait);
    }

    /**
     * True if the driver has nothing to do but (maybe) schedule a tick.
     *
     * @return true if there is nothing to persist, restore, send, deliver, answer, resend or refuse
     */
    public boolean isEmpty() {
        return hardState.isEmpty() && restore.isEmpty() && sends.isEmpty() && decisions.isEmpty() && unordered.isEmpty() && replyResends.isEmpty()
                && refusals.isEmpty();
    }
}
