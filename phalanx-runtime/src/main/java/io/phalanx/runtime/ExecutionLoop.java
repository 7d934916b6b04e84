package io.phalanx.runtime;

import io.phalanx.core.codec.CodecException;
import io.phalanx.core.codec.MessageCodec;
import io.phalanx.core.message.Message;
import io.phalanx.core.message.Refusal;
import io.phalanx.core.message.Reply;
import io.phalanx.core.replica.CheckpointImage;
import io.phalanx.core.replica.ImageStore;
import io.phalanx.core.replica.ReplicaConfig;
import io.phalanx.core.replica.ReplyPolicy;
import io.phalanx.core.replica.ServiceExecutor;
import io.phalanx.core.view.View;
import io.phalanx.runtime.transport.Outbox;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.Consumer;

/**
 * A replica's execution thread: the only thread that touches the {@link ServiceExecutor} (and
 * so the service). Ordered decisions, read-only queries, reply resends and refusals all arrive
 * through one bounded {@link ExecutionQueue} in the order the protocol thread produced them, so a
 * query sees every decision of the steps before it and never races with execution. It encodes
 * the replies and sends them through the client port's {@link Outbox}.
 *
 * <p>Decisions must never be lost: when the queue is full the protocol's step waits
 * ({@link ExecutionQueue#submitDecision}), and the replica reads no more input until there is
 * room: that is the backpressure (TCP's, on the protocol's network thread). Queries and resends
 * are best effort (dropped and counted when the queue is full; the client retries).
 */
final class ExecutionLoop implements Runnable {
    private static final Logger log = LoggerFactory.getLogger(ExecutionLoop.class);

    private final String name;
    private final ExecutionQueue tasks;
    private final ServiceExecutor executor;
    /**
     * Hashed replies among the members of {@link #replyView}, the newest view the executor applied:
     * clients pick the full replier in the newest view they know, which replicas make them learn.
     * Made again only when that view changes.
     */
    private ReplyPolicy replyPolicy;
    private View replyView;
    private final MessageCodec codec;
    /** Where encoded replies go: the client port. */
    private final Outbox clients;
    private final Consumer<Throwable> onFatal;
    private final ReplicaConfig config;
    private final Consumer<CheckpointImage> checkpoints;
    /** Where checkpoint images are written: the data directory (with durability none, its scratch images). */
    private final ImageStore images;
    /** Writes checkpoint images while execution goes on: one at a time. */
    private final ExecutorService imageWriter;
    private final AtomicBoolean writingImage = new AtomicBoolean();
    /** The log, or null with durability {@code none}. */
    private final LogLoop logLoop;
    /**
     * The latest log step of a decision executed here: with durability sync, a read's answer and a
     * resent reply wait until it is durable (a decision's own replies wait for less: see
     * {@link ExecutionQueue.Execute}).
     */
    private long executedLogged = -1;
    private volatile long lastExecuted;

    /**
     * @param tasks       the work, filled by the protocol thread
     * @param config      when to checkpoint ({@link ReplicaConfig#checkpointAfter}) and in what chunks
     * @param logLoop     the log, or null with durability {@code none}: replies wait for it under
     *                    {@code sync}, and it stores the checkpoints
     * @param images      where checkpoint images are written
     * @param clients     where replies go: the client port's outbox
     * @param checkpoints where each checkpoint goes once written, from the thread that wrote it: to
     *                    the protocol, which serves it
     * @param onFatal     told that execution broke an invariant or the service failed; the replica stops
     */
    ExecutionLoop(String name, ExecutionQueue tasks, ServiceExecutor executor, MessageCodec codec,
                  ReplicaConfig config, LogLoop logLoop, ImageStore images, Outbox clients,
                  Consumer<CheckpointImage> checkpoints, Consumer<Throwable> onFatal) {
        this.name = name;
        this.tasks = tasks;
        this.clients = clients;
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
        this.lastExecuted = executor.lastExecuted(); // what replaying the log at start restored
        followLatestView();
        this.codec = codec;
        this.onFatal = onFatal;
    }

    /** Asks the thread to finish the queued work and stop; waits for it at most {@code waitMs}. */
    void stop(Thread thread, long waitMs) throws InterruptedException {
        Workers.awaitStop(tasks.submitStop(waitMs), thread, waitMs);
        imageWriter.shutdownNow(); // a checkpoint half written is not used: its manifest never is
        imageWriter.awaitTermination(waitMs, TimeUnit.MILLISECONDS);
    }

    long lastExecuted() {
        return lastExecuted;
    }

    long dropped() {
        return tasks.dropped();
    }

    int queued() {
        return tasks.queued();
    }

    @Override
    public void run() {
        try {
            while (true) {
                ExecutionQueue.Task task = tasks.take();
                if (task instanceof ExecutionQueue.Stop) {
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

    private void run(ExecutionQueue.Task task) throws InterruptedException {
        if (task instanceof ExecutionQueue.Execute e) {
            List<Reply> replies = executor.execute(e.decision());
            followLatestView();
            executedLogged = Math.max(executedLogged, e.logged());
            // Its replies wait for this replica's own ACCEPT in the decision's quorum to be durable
            // (it was being logged while the batch executed), not for the decision's own record.
            awaitDurable(e.repliesAwait());
            for (Reply reply : replies) {
                send(replyPolicy.shape(reply)); // hashed replies: one replica sends the full result
            }
            lastExecuted = executor.lastExecuted();
            if (config.checkpointFollows(e.decision())) {
                checkpoint();
            }
        } else if (task instanceof ExecutionQueue.Restore r) {
            executor.restore(r.checkpoint());
            followLatestView();
            lastExecuted = executor.lastExecuted();
            log.info("{}: restored checkpoint {} received by state transfer", name, lastExecuted);
        } else if (task instanceof ExecutionQueue.Query q) {
            Reply reply = executor.query(q.request());
            awaitLogged(); // a read must not show a write that a crash could still take back
            send(replyPolicy.shape(reply));
        } else if (task instanceof ExecutionQueue.Resend r) { // a retransmission is answered in full
            awaitLogged();
            if (r.orElse() != null && r.orElse().reason() == Refusal.Reason.VIEW_OUTDATED) {
                // The client must learn the view first: a cached reply would count for it only
                // among the members of its old view, which may no longer make a quorum of repliers.
                send(r.orElse().clientId(), r.orElse());
                return;
            }
            Optional<Reply> cached = executor.cachedReply(r.id());
            if (cached.isPresent()) {
                send(cached.get());
            } else if (r.orElse() != null) {
                send(r.orElse().clientId(), r.orElse());
            }
        }
    }

    /** Shapes replies by the newest view the executor applied; a reference comparison per decision. */
    private void followLatestView() {
        View latest = executor.latestView();
        if (latest != replyView) {
            replyView = latest;
            replyPolicy = ReplyPolicy.hashedReplies(latest, config.replicaId());
        }
    }

    /** With durability sync: waits until every decision executed here is durable. */
    private void awaitLogged() throws InterruptedException {
        awaitDurable(executedLogged);
    }

    /** With durability sync: waits until log step {@code logged} is durable (none if 0 or less). */
    private void awaitDurable(long logged) throws InterruptedException {
        if (logLoop != null && logLoop.holdsOutput() && logged > 0) {
            logLoop.awaitDurable(logged);
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
        clients.send(clientId, frame); // a drop is counted by the transport; the client retries
    }
}
