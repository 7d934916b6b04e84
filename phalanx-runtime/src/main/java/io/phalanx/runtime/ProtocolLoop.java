package io.phalanx.runtime;

import io.netty.util.concurrent.EventExecutor;
import io.phalanx.core.codec.CodecException;
import io.phalanx.core.codec.MessageCodec;
import io.phalanx.core.crypto.SignatureVerifier;
import io.phalanx.core.message.Decision;
import io.phalanx.core.message.Message;
import io.phalanx.core.message.Propose;
import io.phalanx.core.message.ReplicaMessage;
import io.phalanx.core.message.Request;
import io.phalanx.core.message.RequestId;
import io.phalanx.core.replica.CheckpointImage;
import io.phalanx.core.replica.Input;
import io.phalanx.core.replica.Output;
import io.phalanx.core.replica.ReplicaCore;
import io.phalanx.core.replica.Send;
import io.phalanx.core.view.View;
import io.phalanx.runtime.transport.Outbox;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.time.InstantSource;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Consumer;

/**
 * A replica's protocol driver: the only code that calls {@link ReplicaCore#step}, always on one
 * network thread (a Netty event loop, given to it when it is built). It owns the encoding of the
 * replica's messages both ways: the mesh and the client port hand it frames
 * ({@link #onReplicaFrame}, {@link #onClientFrame}), which it decodes where they were read, and
 * it encodes what a step sends, once per message, into the mesh's {@link Outbox}. Inputs that
 * arrive on its thread — the frames of every connection it serves — are stepped at once, in the
 * read callback: no queue, no thread hand-off, and the messages a step sends are flushed together
 * when the read batch ends. Inputs from other threads (connections on other network threads)
 * become tasks on it, at most {@code inputsMax} waiting at once; beyond that an input is dropped,
 * counted, and logged (rate-limited WARN): the protocol retransmits, and an unbounded backlog
 * would let one fast peer exhaust memory. What to log goes to the {@link LogQueue}; decisions,
 * queries and resends to the {@link ExecutionQueue}.
 *
 * <p>Identity comes only from the transport: a replica message counts as sent by the replica
 * whose certificate authenticated its connection, and a request whose client id differs from its
 * connection's is dropped. Undecodable frames, messages of the wrong kind for their link and
 * such requests are counted and logged rate-limited, since a hostile peer could send any number.
 *
 * <p>Why on the network thread: on a machine running several replicas per core every
 * hand-off between threads waits in a run queue, and a consensus instance is a chain of them
 * (propose, write, accept: each received, stepped and answered). Here a replica with one network
 * thread (the default) handles a message from socket to socket without waking anyone. The cost:
 * a step, including signature checks, delays the connections of that thread; and when the
 * execution queue is full the step waits for it, so the replica stops reading until its service
 * catches up (backpressure by TCP instead of dropped inputs).
 *
 * <p>Timers: the core's {@code wakeAtMs} becomes one scheduled task on the same thread, which
 * delivers the {@code Tick}; so a tick can never be lost to a full queue. The earliest wanted
 * time is kept (a tick that comes early is harmless) — replacing it with every step's later
 * value would postpone ticks forever under steady traffic. Time is
 * {@code System.currentTimeMillis()} (via an {@link InstantSource}), as the core compares it with
 * batch timestamps of other replicas.
 */
final class ProtocolLoop {
    private static final Logger log = LoggerFactory.getLogger(ProtocolLoop.class);
    /** How often a step waiting for room in the execution queue checks whether the replica stops. */
    private static final long DECISION_WAIT_MS = 100;
    /** How often a removed replica whose votes are still held checks again whether it may stop. */
    private static final long LEAVE_RECHECK_MS = 50;

    private final String name;
    private final int selfId;
    private final ReplicaCore core;
    private final MessageCodec codec;
    /** Checks client signatures as frames are decoded; null when clients do not sign requests. */
    private final SignatureVerifier clientSignatures;
    /** The network thread that runs every step. */
    private final EventExecutor thread;
    private final int inputsMax;
    /** Where encoded replica messages go: the mesh. */
    private final Outbox mesh;
    /** What the log thread writes, or null with durability {@code none}. */
    private final LogQueue logQueue;
    private final ExecutionQueue execution;
    private final InstantSource clock;
    private final Consumer<Throwable> onFatal;
    /** Told once that the replica is no member of the view in force any more; the replica stops. */
    private final Runnable onRemoved;
    /** Told the view in force and the newest known (one view when they are the same) whenever either changes. */
    private final Consumer<List<View>> onViews;
    private final AtomicInteger waiting = new AtomicInteger();
    private final RateLimitedWarning inboundDrops = new RateLimitedWarning(log);
    private final RateLimitedWarning undecodable = new RateLimitedWarning(log);
    private final RateLimitedWarning unexpected = new RateLimitedWarning(log);
    private final RateLimitedWarning clientIdMismatches = new RateLimitedWarning(log);
    private final AtomicLong encodeFailures = new AtomicLong();
    /** The core as of the latest step, for any thread. */
    private volatile ReplicaStatus.Core status;
    private volatile boolean running = true;
    // Confined to the protocol's thread:
    private long wakeAtMs = Output.NEVER;
    private ScheduledFuture<?> timer;
    private long timerAtMs = Output.NEVER;
    private int reportedRegency;
    private int reportedLeader;
    private long reportedViewId;
    private long reportedLatestViewId = -1;
    private boolean reportedRecovering;
    private long reportedTransfer = -1;
    private boolean reportedRemoved;
    /** When a removed replica stops at the earliest ({@link #leave}); NEVER while it is a member. */
    private long leavingAtMs = Output.NEVER;

    /**
     * @param clientSignatures checks client signatures as requests are decoded, so that the core's
     *                         own checks of the same bytes are cache hits; null when clients do
     *                         not sign
     * @param thread           the network thread that runs every step: the mesh's
     * @param inputsMax        inputs from other threads that may wait for it at once
     * @param mesh             where the messages the core sends go
     * @param logQueue         where what the core persists goes, or null with durability {@code none}
     * @param execution        where decisions, restores, queries and resends go
     * @param onFatal          told that the core broke an invariant; the replica stops
     * @param onRemoved        told once that an administrator's change removed this replica from
     *                         the view in force and its last votes are out; the replica stops
     * @param onViews          told, on the protocol thread, the view in force and the newest view
     *                         known (oldest first; one view when they are the same) at the start
     *                         and after every step that changed either: the mesh's peers follow them
     */
    ProtocolLoop(String name, ReplicaCore core, MessageCodec codec, SignatureVerifier clientSignatures,
                 EventExecutor thread, int inputsMax, Outbox mesh, LogQueue logQueue, ExecutionQueue execution,
                 InstantSource clock, Consumer<Throwable> onFatal, Runnable onRemoved, Consumer<List<View>> onViews) {
        this.name = name;
        this.selfId = core.id();
        this.core = core;
        this.codec = codec;
        this.clientSignatures = clientSignatures;
        this.thread = thread;
        this.inputsMax = inputsMax;
        this.mesh = mesh;
        this.logQueue = logQueue;
        this.execution = execution;
        this.clock = clock;
        this.onFatal = onFatal;
        this.onRemoved = onRemoved;
        this.onViews = onViews;
        this.reportedRegency = core.regency();
        this.reportedLeader = core.leader();
        this.reportedViewId = core.viewInForce().id();
        publishStatus();
    }

    /** Steps a first tick: a recovering replica starts asking its peers where they stand. */
    void start() {
        offer(new Input.Tick(), "start");
    }

    /** A frame from replica {@code replicaId}, on the mesh's network thread: the protocol's own. */
    void onReplicaFrame(int replicaId, byte[] frame) {
        Message message = decode(frame, "replica " + replicaId);
        if (message instanceof ReplicaMessage m) {
            preverify(m);
            offer(new Input.MessageReceived(replicaId, m), "replica " + replicaId);
        } else if (message != null) {
            unexpected.record("{}: replica {} sent a {} on the mesh; dropped", name, replicaId,
                    message.getClass().getSimpleName());
        }
    }

    /** A frame from client {@code clientId}, on the network thread of its connection. */
    void onClientFrame(long clientId, byte[] frame) {
        Message message = decode(frame, "client " + clientId);
        if (message instanceof Request r) {
            if (r.clientId() != clientId) {
                clientIdMismatches.record("{}: client {} sent a request as client {}; dropped", name, clientId,
                        r.clientId());
                return;
            }
            preverify(r);
            offer(new Input.RequestReceived(r), "client " + clientId);
        } else if (message != null) {
            unexpected.record("{}: client {} sent a {}; only requests are accepted from clients", name, clientId,
                    message.getClass().getSimpleName());
        }
    }

    /** Null if the frame is not a message (counted, rate-limited WARN). The codec is stateless. */
    private Message decode(byte[] frame, String from) {
        try {
            return codec.decode(frame);
        } catch (CodecException e) {
            undecodable.record("{}: undecodable frame of {} bytes from {}: {}", name, frame.length, from, e.getMessage());
            return null;
        }
    }

    /**
     * Checks client signatures where the frame was read, so that the core's own checks of the
     * same bytes, in the step, are cache hits (see {@code FastEd25519}). The result is ignored
     * here: the core decides, and counts, what is invalid. WRITEs are unsigned, and ACCEPT
     * signatures are left to the core, which checks none when every replica's ACCEPT is in and
     * otherwise, after a short wait, only those that complete a quorum (lazy verification,
     * docs/PERFORMANCE.md): checking every ACCEPT here would spend CPU on Ed25519 that the core
     * mostly never needs.
     */
    private void preverify(ReplicaMessage message) {
        if (message instanceof Propose p) {
            p.batch().requests().forEach(this::preverify);
        }
    }

    private void preverify(Request request) {
        if (clientSignatures != null) {
            clientSignatures.verifyClient(request.clientId(), MessageCodec.signedBytes(request), request.signature());
        }
    }

    /**
     * From the log thread, under durability {@code sync}: every step up to {@code sequence} is
     * durable, so the core releases the messages it held for them. Never dropped, unlike inputs
     * from the network: held messages would otherwise wait for the next durable report.
     */
    void persisted(long sequence) {
        try {
            thread.execute(() -> {
                if (running) {
                    step(new Input.Persisted(sequence));
                }
            });
        } catch (RejectedExecutionException shuttingDown) {
            // nothing is sent any more
        }
    }

    /** A checkpoint the execution thread took; the protocol serves it to peers. */
    void checkpointTaken(CheckpointImage image) {
        offer(new Input.CheckpointTaken(image), "execution");
    }

    /** From any thread; never blocks (except as described for a full execution queue, on the protocol's thread). */
    private void offer(Input input, String from) {
        if (!running) {
            return;
        }
        if (thread.inEventLoop()) {
            step(input);
            return;
        }
        if (waiting.incrementAndGet() > inputsMax) {
            waiting.decrementAndGet();
            inboundDrops.record("{}: {} inputs wait for the protocol thread, dropping input from {}", name, inputsMax,
                    from);
            return;
        }
        try {
            thread.execute(() -> {
                waiting.decrementAndGet();
                step(input);
            });
        } catch (RejectedExecutionException shuttingDown) {
            waiting.decrementAndGet();
        }
    }

    /** The core as of its latest step; from any thread. */
    ReplicaStatus.Core status() {
        return status;
    }

    long inboundDropped() {
        return inboundDrops.count();
    }

    long undecodable() {
        return undecodable.count();
    }

    long unexpected() {
        return unexpected.count();
    }

    long clientIdMismatches() {
        return clientIdMismatches.count();
    }

    long encodeFailures() {
        return encodeFailures.get();
    }

    int queued() {
        return waiting.get();
    }

    /** No step starts after this; waits (at most {@code waitMs}) for one in progress on the protocol's thread. */
    void stop(long waitMs) {
        running = false;
        if (!thread.inEventLoop() && !thread.isShuttingDown()) {
            try {
                thread.submit(() -> { }).awaitUninterruptibly(waitMs);
            } catch (RejectedExecutionException shuttingDown) {
                // nothing runs there any more
            }
        }
    }

    private void step(Input input) {
        if (!running) {
            return;
        }
        try {
            step(clock.millis(), input);
        } catch (InterruptedException e) {
            running = false; // the network thread is shutting down while waiting for the execution queue
            Thread.currentThread().interrupt();
        } catch (RuntimeException | Error e) {
            // A broken invariant in the core: stop loudly rather than continue with corrupt state.
            running = false;
            log.error("{}: protocol stopped: {}", name, e.toString(), e);
            onFatal.accept(e);
        }
    }

    private void step(long nowMs, Input input) throws InterruptedException {
        Output output = core.step(nowMs, input);
        long logged = -1;
        if (logQueue != null) {
            // Never dropped either: what the step decided and voted must reach the log.
            while ((logged = logQueue.submit(output, DECISION_WAIT_MS)) == -2) {
                if (!running) {
                    return;
                }
            }
        }
        if (output.restore().isPresent()) {
            while (!execution.submitRestore(output.restore().get().checkpoint(), DECISION_WAIT_MS)) {
                if (!running) {
                    return;
                }
            }
        }
        for (Decision decision : output.decisions()) {
            // Never dropped: wait for room (backpressure), unless the replica is stopping.
            while (!execution.submitDecision(decision, logged, logQueue == null ? 0 : output.repliesAwait(), DECISION_WAIT_MS)) {
                if (!running) {
                    return;
                }
            }
        }
        send(output);
        for (Request request : output.unordered()) {
            execution.submitQuery(request);
        }
        for (RequestId id : output.replyResends()) {
            execution.submitResend(id);
        }
        output.refusals().forEach(execution::submitRefusal);
        if (output.wakeAtMs() == Output.NEVER) {
            wakeAtMs = Output.NEVER;
        } else if (output.wakeAtMs() < wakeAtMs) {
            wakeAtMs = output.wakeAtMs();
        }
        armTimer(nowMs);
        publishStatus();
        if (core.removed()) {
            leave(nowMs);
        }
    }

    /**
     * A removed replica takes no part any more (the core votes, proposes and answers no more), but
     * its peers may still need what it sent last: the old view's last instances can need its
     * votes, which durability {@code sync} may still hold (a peer that never gets them cannot
     * decide those instances when the old view has no other quorum). So it leaves in two steps:
     * it keeps stepping until the core holds no send and one request timeout has passed (the time
     * a peer takes to ask again), then steps nothing more and has the replica closed, which
     * finishes the execution of what it decided. Not closed here: closing waits for this thread.
     */
    private void leave(long nowMs) {
        if (leavingAtMs == Output.NEVER) {
            leavingAtMs = nowMs + core.currentTimeoutMs();
            log.info("replica {} was removed from the view in view {}; it stops once its last votes are out",
                    selfId, core.viewInForce().id());
        }
        if (nowMs < leavingAtMs || core.holdsSends()) {
            wakeAtMs = Math.min(wakeAtMs, Math.max(leavingAtMs, nowMs + LEAVE_RECHECK_MS));
            armTimer(nowMs);
            return;
        }
        if (reportedRemoved) {
            return;
        }
        reportedRemoved = true;
        running = false;
        log.info("replica {} stops: removed from the view", selfId);
        onRemoved.run();
    }

    /** Makes sure a timer task is due no later than {@link #wakeAtMs}. */
    private void armTimer(long nowMs) {
        if (wakeAtMs == Output.NEVER || (timer != null && timerAtMs <= wakeAtMs)) {
            return; // nothing wanted, or a timer at least as early is already pending
        }
        if (timer != null) {
            timer.cancel(false);
        }
        timerAtMs = wakeAtMs;
        try {
            timer = thread.schedule(this::onTimer, Math.max(0, wakeAtMs - nowMs), TimeUnit.MILLISECONDS);
        } catch (RejectedExecutionException shuttingDown) {
            timer = null;
            timerAtMs = Output.NEVER;
        }
    }

    private void onTimer() {
        timer = null;
        timerAtMs = Output.NEVER;
        if (!running) {
            return;
        }
        long now = clock.millis();
        if (wakeAtMs != Output.NEVER && now >= wakeAtMs) {
            wakeAtMs = Output.NEVER;
            step(new Input.Tick());
        } else {
            armTimer(now); // fired a little early (clock granularity): wait for the rest
        }
    }

    /**
     * Sends the step's messages. With durability {@code sync} the core released them only once
     * the records of their step, and of every step before it, were durable.
     */
    private void send(Output output) {
        // A broadcast is one message object sent to every peer: encode it once.
        Map<ReplicaMessage, byte[]> encoded = new IdentityHashMap<>();
        for (Send send : output.sends()) {
            if (send.to() == selfId) {
                continue; // the core counts its own votes; it never needs to hear itself
            }
            byte[] frame = encoded.computeIfAbsent(send.message(), this::encode);
            if (frame != null) {
                mesh.send(send.to(), frame); // a drop is counted by the transport; the protocol retransmits
            }
        }
    }

    private byte[] encode(ReplicaMessage message) {
        try {
            return codec.encode(message);
        } catch (CodecException e) {
            // Larger than a frame: the peer would only close the connection. Counted, not fatal.
            encodeFailures.incrementAndGet();
            log.warn("{}: cannot send {}: {}", name, message.getClass().getSimpleName(), e.getMessage());
            return null;
        }
    }

    private void publishStatus() {
        int regency = core.regency();
        int leader = core.leader();
        View view = core.viewInForce();
        if (view.id() != reportedViewId) {
            log.info("{}: view {} in force ({} n={} f={}, members {}), leader r{} in regency {}", name, view.id(),
                    view.mode(), view.n(), view.f(), view.members(), leader, regency);
        } else if (regency != reportedRegency || leader != reportedLeader) {
            log.info("{}: regency {} installed, leader is now r{} (was regency {}, leader r{})", name, regency, leader,
                    reportedRegency, reportedLeader);
        }
        View latest = core.views().latest();
        if (view.id() != reportedViewId || latest.id() != reportedLatestViewId) {
            onViews.accept(latest.id() == view.id() ? List.of(view) : List.of(view, latest));
            reportedLatestViewId = latest.id();
        }
        reportedViewId = view.id();
        reportedRegency = regency;
        reportedLeader = leader;
        logRecovery();
        long[] transfer = core.stateTransferProgress().orElse(null);
        status = new ReplicaStatus.Core(regency, leader, core.active(), core.lastDecided(),
                core.pendingRequests(), core.counters().snapshot(), core.recovering(), core.aheadConsensusId(),
                transfer == null ? null : new ReplicaStatus.Transfer(transfer[0], (int) transfer[1], (int) transfer[2],
                        transfer[3], transfer[4]), view, core.views().latest());
    }

    /** Says loudly when the replica starts or stops recovering, and when a state transfer starts. */
    private void logRecovery() {
        if (core.recovering() != reportedRecovering) {
            reportedRecovering = core.recovering();
            if (reportedRecovering && core.start() == ReplicaCore.Start.RECOVERING) {
                log.warn("{}: RECOVERING: restarted without the votes it cast before; it catches up with its peers"
                        + " before it votes again", name);
            } else if (reportedRecovering) {
                log.info("{}: first start in its data directory: catching up with its peers before it votes", name);
            } else {
                log.info("{}: recovered at consensus id {}: voting again", name, core.lastDecided());
            }
        }
        long transfer = core.stateTransferProgress().map(p -> p[0]).orElse(-1L);
        if (transfer != reportedTransfer) {
            if (transfer >= 0) {
                log.warn("{}: the decisions after {} are gone from its peers' decision logs: state transfer of"
                        + " checkpoint {} started", name, core.lastDecided(), transfer);
            } else {
                log.info("{}: state transfer ended at consensus id {}", name, core.lastDecided());
            }
            reportedTransfer = transfer;
        }
    }
}
