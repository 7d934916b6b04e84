package io.phalanx.runtime;

import io.phalanx.core.codec.CodecException;
import io.phalanx.core.codec.MessageCodec;
import io.phalanx.core.message.Decision;
import io.phalanx.core.message.Message;
import io.phalanx.core.message.Refusal;
import io.phalanx.core.message.Reply;
import io.phalanx.core.message.Request;
import io.phalanx.core.message.RequestId;
import io.phalanx.core.replica.CheckpointImage;
import io.phalanx.core.replica.ImageStore;
import io.phalanx.core.replica.ReplicaConfig;
import io.phalanx.core.replica.ReplyPolicy;
import io.phalanx.core.replica.ServiceExecutor;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Consumer;

/**
 * A replica's execution thread: the only thread that touches the {@link ServiceExecutor} (and
 * so the service). Ordered decisions, read-only queries, reply resends and refusals all arrive through one
 * bounded queue in the order the protocol thread produced them, so a query sees every decision
 * of the steps before it and never races with execution.
 *
 * <p>Decisions must never be lost: when the queue is full the protocol's step waits
 * ({@link #submitDecision}), and the replica reads no more input until there is room: that is
 * the backpressure (TCP's, on the protocol's network thread). Queries and resends are best effort
 * (dropped and counted when the queue is full; the client retries).
 */
final class ExecutionLoop implements Runnable {
    private static final Logger log = LoggerFactory.getLogger(ExecutionLoop.class);

    /** Work items, in protocol order. */
    private sealed interface Task permits Execute, Restore, Query, Resend, Stop {
    }

    /** {@code logged}: the log step that holds the decision, -1 if none (durability none). */
    private record Execute(Decision decision, long logged) implements Task {
    }

    /** State transfer installed a checkpoint: the service jumps to it. */
    private record Restore(CheckpointImage checkpoint) implements Task {
    }

    private record Query(Request request) implements Task {
    }

    /** Resend the cached reply to {@code id}; if none is cached, send {@code orElse} (when not null). */
    private record Resend(RequestId id, Refusal orElse) implements Task {
    }

    private record Stop() implements Task {
    }

    private final String name;
    private final ServiceExecutor executor;
    private final ReplyPolicy replyPolicy;
    private final MessageCodec codec;
    private final BlockingQueue<Task> tasks;
    private final Consumer<Throwable> onFatal;
    private final ReplicaConfig config;
    private final Consumer<CheckpointImage> checkpoints;
    /** Where checkpoint images are written: the data directory, or memory with durability none. */
    private final ImageStore images;
    /** Writes checkpoint images while execution goes on: one at a time. */
    private final ExecutorService imageWriter;
    private final AtomicBoolean writingImage = new AtomicBoolean();
    private final AtomicLong dropped = new AtomicLong();
    /** The log, or null with durability {@code none}. */
    private final LogLoop logLoop;
    /** The latest log step of a decision executed here: with durability sync, nothing reaches a client before it is durable. */
    private long executedLogged = -1;
    private volatile long lastExecuted = -1;
    private volatile ReplySender replies = (clientId, frame) -> false;

    /** Where encoded replies go: the client port. */
    @FunctionalInterface
    interface ReplySender {
        boolean send(long clientId, byte[] frame);
    }

    /**
     * @param config      when to checkpoint ({@link ReplicaConfig#checkpointAfter}) and in what chunks
     * @param images      where checkpoint images are written
     * @param checkpoints where each checkpoint goes once written, from the thread that wrote it: to
     *                    the protocol, which serves it
     */
    ExecutionLoop(String name, ServiceExecutor executor, ReplyPolicy replyPolicy, MessageCodec codec, int tasksMax,
                  ReplicaConfig config, LogLoop logLoop, ImageStore images, Consumer<CheckpointImage> checkpoints,
                  Consumer<Throwable> onFatal) {
        this.name = name;
        this.images = images;
        this.imageWriter = Executors.newSingleThreadExecutor(runnable -> {
            Thread thread = new Thread(runnable, "phalanx-" + name.replace(' ', '-') + "-checkpoint");
            thread.setDaemon(true);
            return thread;
        });
        this.logLoop = logLoop;
        this.config = config;
        this.checkpoints = checkpoints;
        this.executor = executor;
        this.replyPolicy = replyPolicy;
        this.codec = codec;
        this.tasks = new ArrayBlockingQueue<>(tasksMax);
        this.onFatal = onFatal;
    }

    void replies(ReplySender sender) {
        this.replies = sender;
    }

    /**
     * Queues a decision, waiting up to {@code waitMs} for room; false if there was none. The
     * caller retries: a decision is never dropped.
     */
    boolean submitDecision(Decision decision, long logged, long waitMs) throws InterruptedException {
        return tasks.offer(new Execute(decision, logged), waitMs, TimeUnit.MILLISECONDS);
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
     */
    void submitRefusal(Refusal refusal) {
        offer(new Resend(refusal.requestId(), refusal));
    }

    private void offer(Task task) {
        if (!tasks.offer(task)) {
            dropped.incrementAndGet();
        }
    }

    /** Asks the thread to finish the queued work and stop; waits for it at most {@code waitMs}. */
    void stop(Thread thread, long waitMs) throws InterruptedException {
        stopAfterQueued(tasks, new Stop(), thread, waitMs);
        imageWriter.shutdownNow(); // a checkpoint half written is not used: its manifest never is
        imageWriter.awaitTermination(waitMs, TimeUnit.MILLISECONDS);
    }

    /**
     * Queues {@code stop} behind the work in {@code queue} and waits (at most {@code waitMs}, twice)
     * for {@code thread} to finish it; interrupts the thread if the queue has no room or it takes longer.
     */
    static <T> void stopAfterQueued(BlockingQueue<T> queue, T stop, Thread thread, long waitMs)
            throws InterruptedException {
        if (!queue.offer(stop, waitMs, TimeUnit.MILLISECONDS)) {
            thread.interrupt();
        }
        thread.join(waitMs);
        if (thread.isAlive()) {
            thread.interrupt();
            thread.join(waitMs);
        }
    }

    long lastExecuted() {
        return lastExecuted;
    }

    long dropped() {
        return dropped.get();
    }

    int queued() {
        return tasks.size();
    }

    @Override
    public void run() {
        try {
            while (true) {
                Task task = tasks.take();
                if (task instanceof Stop) {
                    return;
                }
                run(task);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } catch (RuntimeException | Error e) {
            // An out-of-order decision or a failing service: continuing would diverge from the others.
            log.error("{}: execution stopped: {}", name, e.toString(), e);
            onFatal.accept(e);
        }
    }

    private void run(Task task) throws InterruptedException {
        if (task instanceof Execute e) {
            List<Reply> replies = executor.execute(e.decision());
            executedLogged = Math.max(executedLogged, e.logged());
            awaitLogged(); // the batch was being logged while it executed
            for (Reply reply : replies) {
                send(replyPolicy.shape(reply)); // hashed replies: one replica sends the full result
            }
            lastExecuted = executor.lastExecuted();
            if (config.checkpointAfter(lastExecuted)) {
                checkpoint();
            }
        } else if (task instanceof Restore r) {
            executor.restore(r.checkpoint());
            lastExecuted = executor.lastExecuted();
            log.info("{}: restored checkpoint {} received by state transfer", name, lastExecuted);
        } else if (task instanceof Query q) {
            Reply reply = executor.query(q.request());
            awaitLogged(); // a read must not show a write that a crash could still take back
            send(replyPolicy.shape(reply));
        } else if (task instanceof Resend r) { // a retransmission is answered in full
            awaitLogged();
            Optional<Reply> cached = executor.cachedReply(r.id());
            if (cached.isPresent()) {
                send(cached.get());
            } else if (r.orElse() != null) {
                send(r.orElse().clientId(), r.orElse());
            }
        }
    }

    /** With durability sync: waits until every decision executed here is durable. */
    private void awaitLogged() throws InterruptedException {
        if (logLoop != null && logLoop.holdsOutput() && executedLogged >= 0) {
            logLoop.awaitDurable(executedLogged);
        }
    }

    /**
     * Captures a checkpoint here, between two decisions, and has the image written (and digested)
     * on the checkpoint thread while execution goes on. One is written at a time: a checkpoint
     * due while the previous one is still being written is skipped, and the next one taken.
     */
    private void checkpoint() {
        if (!writingImage.compareAndSet(false, true)) {
            log.info("{}: checkpoint {} skipped: the previous one is still being written", name, lastExecuted);
            return;
        }
        long startNs = System.nanoTime();
        ServiceExecutor.Capture capture = executor.capture();
        long capturedMs = (System.nanoTime() - startNs) / 1_000_000;
        try {
            imageWriter.execute(() -> writeImage(capture, capturedMs));
        } catch (RejectedExecutionException e) {
            capture.close(); // stopping
            writingImage.set(false);
        }
    }

    private void writeImage(ServiceExecutor.Capture capture, long capturedMs) {
        long startNs = System.nanoTime();
        long consensusId = capture.header().consensusId();
        try {
            CheckpointImage image = capture.writeTo(images.open(consensusId), config.stateChunkBytes());
            log.debug("{}: checkpoint {} taken, {} bytes in {} chunks, captured in {} ms, written in {} ms", name,
                    consensusId, image.length(), image.chunkCount(), capturedMs, (System.nanoTime() - startNs) / 1_000_000);
            checkpoints.accept(image);
            if (logLoop != null) {
                logLoop.submitCheckpoint(image);
            }
        } catch (IOException | RuntimeException e) {
            // The log keeps every decision since the last checkpoint that was stored: nothing is
            // lost, the log just grows until a later checkpoint is written.
            log.error("{}: checkpoint {} could not be written: {}", name, consensusId, e.toString(), e);
        } finally {
            writingImage.set(false);
        }
    }

    private void send(Reply reply) {
        send(reply.clientId(), reply);
    }

    private void send(long clientId, Message message) {
        byte[] frame;
        try {
            frame = codec.encode(message);
        } catch (CodecException e) {
            log.warn("{}: {} to client {} not sent: {}", name, message.getClass().getSimpleName(), clientId, e.getMessage());
            return;
        }
        replies.send(clientId, frame); // a drop is counted by the transport; the client retries
    }
}
