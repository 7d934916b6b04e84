package io.phalanx.runtime;

import io.phalanx.core.message.Decision;
import io.phalanx.core.message.Refusal;
import io.phalanx.core.message.Request;
import io.phalanx.core.message.RequestId;
import io.phalanx.core.replica.CheckpointImage;

import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The execution thread's work, in the order the protocol thread produced it: decisions,
 * restores, read-only queries, reply resends and refusals in one bounded queue, so a query sees
 * every decision of the steps before it. The protocol loop fills it, the {@link ExecutionLoop}
 * empties it; it is made before both, since the execution loop reports checkpoints back to the
 * protocol loop and each is built with what it talks to.
 *
 * <p>Decisions and restores are never dropped: their producer waits for room (see
 * {@link #submitDecision}), which is the replica's backpressure. Queries, resends and refusals
 * are dropped and counted when the queue is full; the client retries.
 */
final class ExecutionQueue {
    /** Work items, in protocol order. */
    sealed interface Task permits Execute, Restore, Query, Resend, Stop {
    }

    /**
     * {@code logged}: the log step that holds the decision, -1 if none (durability none);
     * {@code repliesAwait}: the log step whose durability the decision's replies wait for under
     * durability sync ({@code Output.repliesAwait}: the one that holds this replica's own ACCEPT),
     * 0 or less if none.
     */
    record Execute(Decision decision, long logged, long repliesAwait) implements Task {
    }

    /** State transfer installed a checkpoint: the service jumps to it. */
    record Restore(CheckpointImage checkpoint) implements Task {
    }

    record Query(Request request) implements Task {
    }

    /** Resend the cached reply to {@code id}; if none is cached, send {@code orElse} (when not null). */
    record Resend(RequestId id, Refusal orElse) implements Task {
    }

    /** The end of the work: the execution thread stops when it takes this. */
    record Stop() implements Task {
    }

    private final BlockingQueue<Task> tasks;
    private final AtomicLong dropped = new AtomicLong();

    /** @param tasksMax the bound of the queue ({@code executionQueueMax}) */
    ExecutionQueue(int tasksMax) {
        this.tasks = new ArrayBlockingQueue<>(tasksMax);
    }

    /**
     * Queues a decision, waiting up to {@code waitMs} for room; false if there was none. The
     * caller retries: a decision is never dropped.
     */
    boolean submitDecision(Decision decision, long logged, long repliesAwait, long waitMs) throws InterruptedException {
        return tasks.offer(new Execute(decision, logged, repliesAwait), waitMs, TimeUnit.MILLISECONDS);
    }

    /** Queues a checkpoint to restore, waiting like {@link #submitDecision}: it must never be lost. */
    boolean submitRestore(CheckpointImage checkpoint, long waitMs) throws InterruptedException {
        return tasks.offer(new Restore(checkpoint), waitMs, TimeUnit.MILLISECONDS);
    }

    void submitQuery(Request request) {
        offer(new Query(request));
    }

    void submitResend(RequestId id) {
        offer(new Resend(id, null));
    }

    /**
     * Sends {@code refusal} to its client, unless a reply to the refused request is still cached:
     * that reply is sent instead (a request of a superseded session may have run before it was).
     * A {@code VIEW_OUTDATED} refusal always goes out: its client must learn the view before
     * replies can count.
     */
    void submitRefusal(Refusal refusal) {
        offer(new Resend(refusal.requestId(), refusal));
    }

    private void offer(Task task) {
        if (!tasks.offer(task)) {
            dropped.incrementAndGet();
        }
    }

    /** The next task, waiting for one (execution thread). */
    Task take() throws InterruptedException {
        return tasks.take();
    }

    /** Queues the stop behind the work, waiting up to {@code waitMs} for room; false if there was none. */
    boolean submitStop(long waitMs) throws InterruptedException {
        return tasks.offer(new Stop(), waitMs, TimeUnit.MILLISECONDS);
    }

    /** Queries, resends and refusals dropped because the queue was full. */
    long dropped() {
        return dropped.get();
    }

    int queued() {
        return tasks.size();
    }
}
