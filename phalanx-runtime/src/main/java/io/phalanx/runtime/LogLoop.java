package io.phalanx.runtime;

import io.phalanx.core.message.Bytes;
import io.phalanx.core.replica.CheckpointImage;
import io.phalanx.core.storage.ReplicaStore;
import io.phalanx.runtime.config.Durability;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import java.util.function.LongConsumer;

/**
 * A replica's log thread: the only thread that touches its {@link ReplicaStore}. The protocol
 * thread hands it every step that changed the hard state or decided through its {@link LogQueue}
 * (numbered by the core's {@code Output.persistSequence}); it appends them and syncs once for all
 * that queued up meanwhile (group commit), in parallel with execution, then reports how far the
 * log is durable.
 *
 * <p>Durability {@code sync}: the core holds a step's messages until the protocol thread reports
 * the step durable ({@code Input.Persisted}) and execution holds replies until their batch is
 * ({@link #awaitDurable}), so nothing leaves that a crash could make this replica contradict or
 * forget. Durability {@code async}: nothing waits; the
 * log is synced at least every {@code syncIntervalMs}. Checkpoints the execution thread takes are
 * stored here too, between steps, so the log is truncated only behind a checkpoint on disk.
 *
 * <p>A write that fails stops the replica: it could no longer keep the promise its durability
 * mode makes.
 */
final class LogLoop implements Runnable {
    private static final Logger log = LoggerFactory.getLogger(LogLoop.class);
    /** Most queued records one fsync covers; bounds the latency the first of them waits. */
    private static final int GROUP_MAX = 1_024;
    /** With durability async, how long the thread lets records gather after the first arrives. */
    private static final long ASYNC_GATHER_MS = 5;

    private final String name;
    private final LogQueue tasks;
    private final ReplicaStore store;
    private final Durability durability;
    private final LongConsumer onDurable;
    private final Consumer<Throwable> onFatal;
    private final Object durableChanged = new Object();
    private volatile long durable = -1;
    private volatile long syncs;
    private volatile long logBytes;
    private volatile long lastCheckpoint = -1;
    private volatile long syncNanosTotal;
    // Confined to the log's thread:
    private long appended = -1;
    private long lastSyncNs = System.nanoTime();

    /**
     * @param tasks     what to write, filled by the protocol thread and, with checkpoints, the
     *                  checkpoint thread
     * @param onDurable told on the log's thread, after each sync, the highest durable step, when
     *                  messages wait for the log ({@link #holdsOutput}): the protocol, which then
     *                  releases them
     * @param onFatal   told that the log cannot be written; the replica stops
     */
    LogLoop(String name, LogQueue tasks, ReplicaStore store, Durability durability, LongConsumer onDurable,
            Consumer<Throwable> onFatal) {
        this.name = name;
        this.tasks = tasks;
        this.store = store;
        this.durability = durability;
        this.onDurable = onDurable;
        this.onFatal = onFatal;
        this.logBytes = store.logBytes(); // before the log thread starts, which then owns the store
        this.lastCheckpoint = store.lastCheckpoint();
    }

    /** Whether messages and replies wait for the log ({@code sync}). */
    boolean holdsOutput() {
        return durability.mode() == Durability.Mode.SYNC;
    }

    long durable() {
        return durable;
    }

    /** Waits until step {@code sequence} is durable (execution thread; a stopping replica interrupts it). */
    void awaitDurable(long sequence) throws InterruptedException {
        if (durable >= sequence) {
            return;
        }
        synchronized (durableChanged) {
            while (durable < sequence) {
                durableChanged.wait();
            }
        }
    }

    /** A checkpoint the execution thread took; dropped (and logged) if the queue is full: the next one will do. */
    void submitCheckpoint(CheckpointImage image) {
        if (!tasks.offerCheckpoint(image)) {
            log.warn("{}: log queue full, checkpoint {} not stored (the next one will be)", name, image.consensusId());
        }
    }

    long syncs() {
        return syncs;
    }

    /** Mean fsync time so far, in microseconds. */
    long syncMicrosMean() {
        long count = syncs;
        return count == 0 ? 0 : syncNanosTotal / count / 1_000;
    }

    /** The log's state as of the last group written (readable from any thread). */
    ReplicaStatus.Log status() {
        return new ReplicaStatus.Log(durability.mode().name().toLowerCase(java.util.Locale.ROOT), logBytes, syncs,
                syncMicrosMean(), lastCheckpoint);
    }

    int queued() {
        return tasks.queued();
    }

    /** Finishes (and syncs) what is queued, then stops; waits for it at most {@code waitMs}. */
    void stop(Thread thread, long waitMs) throws InterruptedException {
        Workers.awaitStop(tasks.submitStop(waitMs), thread, waitMs);
    }

    @Override
    public void run() {
        List<LogQueue.Task> group = new ArrayList<>();
        try {
            while (true) {
                boolean async = durability.mode() == Durability.Mode.ASYNC;
                LogQueue.Task first = async ? tasks.poll(durability.syncIntervalMs()) : tasks.take();
                group.clear();
                if (first != null) {
                    if (async) {
                        // Nothing waits for an async log: let records gather rather than waking
                        // (and writing) once per step, which costs the replica's CPU.
                        Thread.sleep(ASYNC_GATHER_MS);
                    }
                    group.add(first);
                    tasks.drainTo(group, GROUP_MAX - 1);
                }
                boolean stop = write(group);
                syncIfDue(stop);
                logBytes = store.logBytes();
                lastCheckpoint = store.lastCheckpoint();
                if (stop) {
                    store.close();
                    return;
                }
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } catch (IOException | RuntimeException e) {
            log.error("{}: the log cannot be written, stopping the replica: {}", name, e.toString(), e);
            onFatal.accept(e);
        }
    }

    /** Appends the group's records and stores its checkpoints; true if it ends with a stop. */
    private boolean write(List<LogQueue.Task> group) throws IOException {
        for (LogQueue.Task task : group) {
            if (task instanceof LogQueue.Step s) {
                store.append(s.output());
                appended = s.sequence();
            } else if (task instanceof LogQueue.Checkpoint c) {
                if (store.checkpoint(c.image())) {
                    log.debug("{}: checkpoint {} stored, log now {} bytes", name, c.image().consensusId(), store.logBytes());
                }
            } else if (task instanceof LogQueue.Stop) {
                return true;
            }
        }
        return false;
    }

    private void syncIfDue(boolean stopping) throws IOException {
        boolean due = durability.mode() == Durability.Mode.SYNC || stopping
                || System.nanoTime() - lastSyncNs >= TimeUnit.MILLISECONDS.toNanos(durability.syncIntervalMs());
        if (appended <= durable || !due) {
            return;
        }
        long startNs = System.nanoTime();
        store.sync();
        lastSyncNs = System.nanoTime();
        syncNanosTotal += lastSyncNs - startNs;
        syncs++;
        publish(appended);
    }

    private void publish(long sequence) {
        synchronized (durableChanged) {
            durable = sequence;
            durableChanged.notifyAll();
        }
        if (holdsOutput()) {
            onDurable.accept(sequence);
        }
    }
}
