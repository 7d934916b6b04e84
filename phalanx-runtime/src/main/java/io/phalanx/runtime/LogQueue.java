package io.phalanx.runtime;

import io.phalanx.core.replica.CheckpointImage;
import io.phalanx.core.replica.Output;

import java.util.Collection;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.TimeUnit;

/**
 * What the log thread writes, in order: every protocol step that changed the hard state or
 * decided (numbered by the core's {@code Output.persistSequence}), and the checkpoints execution
 * took. Bounded. The protocol loop fills it and the {@link LogLoop} empties it; it is made
 * before both, since the log loop reports durable steps back to the protocol loop and each is
 * built with what it talks to.
 */
final class LogQueue {
    sealed interface Task permits Step, Checkpoint, Stop {
    }

    record Step(long sequence, Output output) implements Task {
    }

    record Checkpoint(CheckpointImage image) implements Task {
    }

    /** The end of the log: the log thread syncs what it wrote and stops when it takes this. */
    record Stop() implements Task {
    }

    private final BlockingQueue<Task> tasks;
    // Confined to the protocol's thread:
    private long submitted;

    /** @param tasksMax the bound of the queue */
    LogQueue(int tasksMax) {
        this.tasks = new ArrayBlockingQueue<>(tasksMax);
    }

    /**
     * Queues {@code output}'s records, waiting up to {@code waitMs} for room (protocol thread);
     * returns its step number (its {@code persistSequence}), or -1 if it has nothing to log, or
     * -2 if there was no room (the caller retries: a record is never dropped).
     *
     * @throws IllegalStateException if steps come out of order, which would break the promise
     *                               that a durable step means every step before it is durable too
     */
    long submit(Output output, long waitMs) throws InterruptedException {
        if (output.persistSequence() == 0) {
            return -1;
        }
        if (output.persistSequence() <= submitted) {
            throw new IllegalStateException("step " + output.persistSequence() + " logged after step " + submitted);
        }
        if (!tasks.offer(new Step(output.persistSequence(), output), waitMs, TimeUnit.MILLISECONDS)) {
            return -2;
        }
        submitted = output.persistSequence();
        return submitted;
    }

    /** Queues a checkpoint to store if there is room; false if the queue is full. */
    boolean offerCheckpoint(CheckpointImage image) {
        return tasks.offer(new Checkpoint(image));
    }

    /** Queues the stop behind the records, waiting up to {@code waitMs} for room; false if there was none. */
    boolean submitStop(long waitMs) throws InterruptedException {
        return tasks.offer(new Stop(), waitMs, TimeUnit.MILLISECONDS);
    }

    /** The next task, waiting for one (log thread). */
    Task take() throws InterruptedException {
        return tasks.take();
    }

    /** The next task, waiting at most {@code waitMs}; null if none came (log thread). */
    Task poll(long waitMs) throws InterruptedException {
        return tasks.poll(waitMs, TimeUnit.MILLISECONDS);
    }

    /** Moves up to {@code max} queued tasks into {@code group}, without waiting (log thread). */
    void drainTo(Collection<Task> group, int max) {
        tasks.drainTo(group, max);
    }

    int queued() {
        return tasks.size();
    }
}
