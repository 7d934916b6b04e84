package io.phalanx.runtime;

import io.netty.util.concurrent.EventExecutor;
import io.phalanx.core.client.ClientCore;
import io.phalanx.core.client.ClientOutput;
import io.phalanx.core.codec.CodecException;
import io.phalanx.core.codec.MessageCodec;
import io.phalanx.core.message.Bytes;
import io.phalanx.core.message.Refusal;
import io.phalanx.core.message.Reply;
import io.phalanx.core.message.Request;
import io.phalanx.core.view.View;
import io.phalanx.runtime.transport.Outbox;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.time.InstantSource;
import java.util.ArrayDeque;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.PriorityQueue;
import java.util.Queue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Consumer;

/**
 * A client's driver. It runs on the one network thread that carries all of the client's
 * connections, so a reply is decoded and handed to the {@link ClientCore} in the same read
 * callback, and what the core sends goes out in the same event-loop turn: no thread of its own
 * and no hand-off between threads per call (on a small machine each hand-off is a context
 * switch, and a wait in the run queue when processes outnumber cores). Only this thread touches
 * the core and the state below.
 *
 * <p>Inputs: calls from application threads (admitted by an atomic count bounded by
 * {@code outstandingMax + waitingMax}, queued, and taken in by one event-loop task), replies and
 * link events from the client's connections (on this thread already). Timers — the core's
 * retransmission timers (a heap) and each call's deadline (a FIFO, as every call has the same
 * timeout) — are kept here; one event-loop task is scheduled for the earliest of them.
 *
 * <p>Outputs: what the core sends goes into the client transport's {@link Outbox}, to one replica
 * or to each of them. The outbox exists before the transport, so the loop is built with it and
 * the transport is built with the loop behind its frame handler; nothing is bound later.
 *
 * <p>At most {@code outstandingMax} calls are in the core at once (its own limit); later calls
 * wait in FIFO order. A call past its deadline fails with {@link PhalanxTimeoutException} and
 * is cancelled in the core (no more retransmissions; an ordered request already sent may still
 * take effect).
 *
 * <p>A call a quorum of replicas refused fails with the reason. If they refused a request of the
 * current session as unknown, the core begins a new session first, so the calls after it (even
 * one started from the failed call's callback) are ordered again; the refused call itself is
 * not retried, since it may have run before the replicas forgot the session.
 *
 * <p>It counts what it does in {@link ClientCounters}: completions with their latency, failures,
 * retransmissions by cause, sessions begun, and the calls in the core after every turn.
 */
final class ClientLoop {
    private static final Logger log = LoggerFactory.getLogger(ClientLoop.class);
    /**
     * Timers fire at most this late: retransmission delays and call timeouts are seconds, and a
     * wait for a result's full copy ({@code ClientCore.awaitsFullCopy}) a few milliseconds, which
     * this bounds.
     */
    private static final long TIMER_TICK_MS = 10;

    /** One call of the application. */
    static final class Call {
        final Bytes operation;
        final boolean readOnly;
        final CompletableFuture<Bytes> future = new CompletableFuture<>();
        final long deadlineMs;
        /** When the application invoked it, for its latency. */
        final long invokedAtNanos = System.nanoTime();
        long operationId = -1;
        /** The latest request sent for this call and its encoding, reused when it goes out again. */
        Request lastRequest;
        byte[] lastFrame;

        Call(Bytes operation, boolean readOnly, long deadlineMs) {
            this.operation = operation;
            this.readOnly = readOnly;
            this.deadlineMs = deadlineMs;
        }
    }

    /** A core retransmission timer. */
    private record Timer(long atMs, long operationId, int attempt) {
    }

    private final String name;
    private final ClientCore core;
    private final MessageCodec codec;
    private final InstantSource clock;
    private final long callTimeoutMs;
    private final int callsMax;
    private final EventExecutor executor;
    /** Where requests go: the client transport's outbox, made before the transport. */
    private final Outbox outbox;
    /** The members of the client's view, the destinations of a broadcast; confined to the loop's thread. */
    private List<Integer> replicas;
    /** Told, on the loop's thread, each view the client adopts: its transport dials the members. */
    private final Consumer<View> onViewAdopted;
    private final Queue<Call> submitted = new ConcurrentLinkedQueue<>();
    private final AtomicInteger admitted = new AtomicInteger();
    /** True while a task that takes in submitted calls is queued: one task per burst of calls. */
    private final AtomicBoolean admitQueued = new AtomicBoolean();
    private final ClientCounters counters;
    private final ArrayDeque<Call> waiting = new ArrayDeque<>();
    private final Map<Long, Call> inCore = new HashMap<>();
    private final PriorityQueue<Timer> timers = new PriorityQueue<>((a, b) -> Long.compare(a.atMs, b.atMs));
    /** Open calls in submission order, which is deadline order (one timeout for all calls). */
    private final ArrayDeque<Call> deadlines = new ArrayDeque<>();
    private volatile boolean running = true;
    /** The view the client's requests name: the cluster file's, or a newer one its replicas' refusals taught it. */
    private volatile long viewId;
    /** The session the core numbers requests in now, for any thread. */
    private volatile long session;
    /** True once a call was submitted: the replicas may hold replies of this session from then on. */
    private volatile boolean used;
    private long nextOperationId = 1;
    /** When the timer task scheduled last fires; Long.MAX_VALUE if none is pending. */
    private long timerArmedAtMs = Long.MAX_VALUE;

    /**
     * @param executor the network thread of every connection of this client
     * @param outbox   the outbox of the client's transport, which sends what the core decides
     *                 (frames for a replica not connected yet are dropped and counted; the core
     *                 sends them again when it connects)
     * @param replicas every replica's id, where a broadcast goes
     * @param counters what the loop counts, read by {@link Client#stats()} and the client's meters
     * @param onViewAdopted told each newer view the client adopts from its replicas' refusals,
     *                 before the requests resent for it go out
     */
    ClientLoop(String name, ClientCore core, MessageCodec codec, InstantSource clock, long callTimeoutMs, int callsMax,
               EventExecutor executor, Outbox outbox, List<Integer> replicas, ClientCounters counters,
               Consumer<View> onViewAdopted) {
        this.name = name;
        this.counters = counters;
        this.core = core;
        this.session = core.session();
        this.viewId = core.viewId();
        this.codec = codec;
        this.clock = clock;
        this.callTimeoutMs = callTimeoutMs;
        this.callsMax = callsMax;
        this.executor = executor;
        this.outbox = outbox;
        this.replicas = List.copyOf(replicas);
        this.onViewAdopted = onViewAdopted;
    }

    /** From any thread: queues a call, or fails it at once when too many are open. */
    CompletableFuture<Bytes> submit(Bytes operation, boolean readOnly) {
        used = true;
        Call call = new Call(operation, readOnly, clock.millis() + callTimeoutMs);
        if (!running) {
            call.future.completeExceptionally(closedException());
            return call.future;
        }
        if (admitted.incrementAndGet() > callsMax) {
            admitted.decrementAndGet();
            counters.failed(ClientCounters.Failure.OVERLOADED);
            call.future.completeExceptionally(new PhalanxOverloadedException(name + " already has " + callsMax
                    + " calls outstanding or waiting; wait for some to complete"));
            return call.future;
        }
        submitted.add(call);
        if (admitQueued.compareAndSet(false, true)) {
            // From another thread this queues a task and wakes the network thread. On the network
            // thread itself (a callback starting the next call) the call is taken in at once: the
            // core is between steps there (callbacks run from apply, after the core returned), and
            // apply iterates only the core's output, never the maps the admission changes.
            onLoop(this::admitSubmitted);
        }
        if (!running) {
            failSubmitted(closedException()); // raced with stop(): its sweep may have run already
        }
        return call.future;
    }

    /** On the client's network thread: a decoded reply. */
    void onReply(int from, Reply reply) {
        onLoop(() -> {
            if (running) {
                apply(core.onReply(clock.millis(), from, reply), ClientCounters.Resend.FULL_RESULT);
            }
        });
    }

    /** On the client's network thread: a decoded refusal. */
    void onRefusal(int from, Refusal refusal) {
        onLoop(() -> {
            if (running) {
                ClientOutput output = core.onRefusal(from, refusal);
                if (core.viewId() != viewId) {
                    View adopted = core.view();
                    log.info("{}: adopted view {} (members {}, f={}) from its replicas' refusals", name, adopted.id(),
                            adopted.members(), adopted.f());
                    replicas = adopted.members();
                    viewId = adopted.id();
                    onViewAdopted.accept(adopted);
                }
                apply(output, ClientCounters.Resend.REFUSED);
            }
        });
    }

    /**
     * A replica connection came up. Requests broadcast while it was down were dropped for it;
     * they are sent to it again at once instead of after a retransmission timeout (this is what
     * makes the first call of a new client fast).
     */
    void onReplicaUp(int replicaId) {
        onLoop(() -> {
            if (running) {
                apply(core.onReplicaUp(replicaId), ClientCounters.Resend.REPLICA_UP);
            }
        });
    }

    /**
     * A replica connection was lost. Requests sent to it alone (it was the leader) go to every
     * replica at once instead of after a retransmission timeout.
     */
    void onReplicaDown(int replicaId) {
        onLoop(() -> {
            if (running) {
                apply(core.onReplicaDown(replicaId), ClientCounters.Resend.REPLICA_DOWN);
            }
        });
    }

    /**
     * Fails every open call with {@link PhalanxException} and stops taking input. Returns once
     * that has run on the network thread, or after {@code waitMs} if that thread is stuck.
     */
    void stop(long waitMs) {
        running = false;
        if (executor.inEventLoop()) {
            failAll();
            return;
        }
        try {
            executor.submit(this::failAll).awaitUninterruptibly(waitMs);
        } catch (RejectedExecutionException threadsClosed) {
            failAll(); // the network threads were closed first: nothing else touches this state now
        }
    }

    /** The view the client's requests name now. */
    long viewId() {
        return viewId;
    }

    int open() {
        return admitted.get();
    }

    /** The session requests are numbered in now. */
    long session() {
        return session;
    }

    /** Whether a call was ever submitted. */
    boolean used() {
        return used;
    }

    /** Runs {@code task} on the network thread: now if already there, else as a task. */
    private void onLoop(Runnable task) {
        if (executor.inEventLoop()) {
            run(task);
            return;
        }
        try {
            executor.execute(() -> run(task));
        } catch (RejectedExecutionException threadsClosed) {
            log.debug("{}: network thread closed; dropped an event", name);
        }
    }

    /**
     * Work of this loop: an exception must not escape into the network thread's other work (other
     * clients, reads). Every change of the calls in the core is made in here, so the in-flight
     * count is published at the end; a call that ends publishes it before its future completes
     * too, so whoever waits on the future reads the count without it.
     */
    private void run(Runnable task) {
        try {
            task.run();
        } catch (RuntimeException e) {
            log.error("{}: client stopped by an unexpected error: {}", name, e.toString(), e);
            running = false;
            failAll();
        }
        counters.inFlight(inCore.size());
    }

    private void admitSubmitted() {
        admitQueued.set(false);
        if (!running) {
            return;
        }
        Call call;
        while ((call = submitted.poll()) != null) {
            waiting.add(call);
            deadlines.add(call);
        }
        while (!waiting.isEmpty() && core.canInvoke()) {
            Call next = waiting.poll();
            if (next.future.isDone()) {
                admitted.decrementAndGet(); // timed out while waiting
                continue;
            }
            next.operationId = nextOperationId++;
            inCore.put(next.operationId, next);
            apply(core.invoke(clock.millis(), next.operationId, next.operation, next.readOnly), null);
        }
        armTimer();
    }

    private long nextTimerMs() {
        long next = Long.MAX_VALUE;
        if (!timers.isEmpty()) {
            next = timers.peek().atMs;
        }
        if (!deadlines.isEmpty()) {
            next = Math.min(next, deadlines.peek().deadlineMs);
        }
        return next;
    }

    /**
     * Makes sure a task runs at the earliest timer or deadline, rounded up to
     * {@link #TIMER_TICK_MS}: every call sets a retransmission timer, and one wake-up per tick
     * instead of one per call is what keeps an idle network thread idle. New timers are almost always
     * later than the armed one (every call has the same timeout and the same first
     * retransmission delay), so this rarely schedules; a task that finds a newer one armed
     * before it does nothing but fire what is due.
     */
    private void armTimer() {
        long earliest = nextTimerMs();
        if (earliest == Long.MAX_VALUE) {
            return;
        }
        long at = (earliest + TIMER_TICK_MS - 1) / TIMER_TICK_MS * TIMER_TICK_MS;
        if (at >= timerArmedAtMs) {
            return;
        }
        timerArmedAtMs = at;
        try {
            executor.schedule(() -> run(() -> onTimer(at)), Math.max(0, at - clock.millis()), TimeUnit.MILLISECONDS);
        } catch (RejectedExecutionException threadsClosed) {
            timerArmedAtMs = Long.MAX_VALUE;
        }
    }

    private void onTimer(long armedAtMs) {
        if (!running) {
            return;
        }
        boolean current = armedAtMs == timerArmedAtMs;
        if (current) {
            timerArmedAtMs = Long.MAX_VALUE;
        }
        fireTimers(clock.millis());
        if (current) {
            armTimer();
        }
    }

    private void fireTimers(long now) {
        while (!timers.isEmpty() && timers.peek().atMs <= now) {
            Timer timer = timers.poll();
            // A timer may end the wait for a result's full copy rather than the retransmission delay.
            ClientCounters.Resend cause = core.awaitsFullCopy(timer.operationId) ? ClientCounters.Resend.FULL_RESULT
                    : ClientCounters.Resend.TIMEOUT;
            apply(core.onTimeout(now, timer.operationId, timer.attempt), cause);
        }
        while (!deadlines.isEmpty() && (deadlines.peek().future.isDone() || deadlines.peek().deadlineMs <= now)) {
            Call call = deadlines.poll();
            if (!call.future.isDone()) {
                if (call.operationId < 0 && waiting.remove(call)) {
                    admitted.decrementAndGet(); // never reached the core: its place is free at once
                } else if (call.operationId >= 0 && inCore.remove(call.operationId) != null) {
                    core.cancel(call.operationId); // no more retransmissions; its place is free
                    admitted.decrementAndGet();
                }
                expire(call);
            }
        }
        if (!waiting.isEmpty() && core.canInvoke()) {
            admitSubmitted(); // cancelled calls freed places in the core
        }
    }

    private void expire(Call call) {
        // Counters move before the future completes, so whoever waits on it sees them updated.
        // Only this thread completes futures of admitted calls.
        counters.failed(ClientCounters.Failure.TIMEOUT);
        counters.inFlight(inCore.size());
        call.future.completeExceptionally(new PhalanxTimeoutException(name + ": no result from a quorum of replicas within "
                + callTimeoutMs + " ms" + (call.readOnly ? "" : "; the operation may still take effect later")));
    }

    /**
     * After a quorum refused a request of the client's current session as unknown (the replicas
     * evicted the session, or lost their state), numbers the calls from now on in a new session:
     * the one of the current second since 2020, as a newly built client's, or one above the
     * current session if that is not higher. The refused call is not sent again: it may have run
     * before the replicas forgot its session. Returns the new session, or -1 if none was begun
     * (another reason, an older session, or no higher session exists).
     */
    private long beginSessionAfter(ClientOutput.Failure failure) {
        long session = failure.refusedRequest().sequence() >>> 32;
        if (failure.reason() != Refusal.Reason.SESSION_UNKNOWN || session != core.session()
                || session >= Integer.MAX_VALUE) {
            return -1;
        }
        long next = Math.min(Integer.MAX_VALUE, Math.max(session + 1, Client.sessionFromClock(clock)));
        core.beginSession(next);
        this.session = next;
        counters.sessionBegun();
        log.warn("{}: a quorum of replicas do not know session {} (evicted to keep at most limits.clientsMax"
                + " sessions, or they lost their state); later calls go in session {}", name, session, next);
        return next;
    }

    /**
     * The error a call refused by a quorum of replicas ends with: what happened to its session,
     * and what became of the call.
     *
     * @param begun the session begun because of this refusal, or -1
     */
    private PhalanxException refused(ClientOutput.Failure failure, long begun) {
        long clientId = failure.refusedRequest().clientId();
        long session = failure.refusedRequest().sequence() >>> 32;
        long number = failure.refusedRequest().sequence() & 0xffff_ffffL;
        String unknownOutcome = "; the outcome of this call is unknown: it may have run before the replicas forgot"
                + " the session";
        String what;
        if (failure.reason() == Refusal.Reason.VIEW_OUTDATED) {
            what = "a quorum of replicas are in view " + failure.viewId() + " and refused request " + number
                    + ", made for view " + core.viewId() + " (cluster.viewId of this client's cluster file); it was"
                    + " not ordered. Build the client from the cluster file of view " + failure.viewId();
        } else if (session < core.session() && begun < 0) {
            what = "request " + number + " of session " + session + ", which this client left for session "
                    + core.session() + " after the replicas forgot it, was refused by a quorum of replicas ("
                    + failure.reason() + ")" + unknownOutcome;
        } else if (failure.reason() == Refusal.Reason.SESSION_SUPERSEDED) {
            what = "session " + session + " of client id " + clientId
                    + " was superseded by a newer session of the same client id (another client process with this"
                    + " identity, or one built with a higher session); the replicas no longer execute requests of"
                    + " session " + session + " (this one may have run before the newer session began). Start a"
                    + " client with a session above the newer one";
        } else {
            what = "a quorum of replicas do not know session " + session + " of client id " + clientId
                    + " (they evicted it to keep at most limits.clientsMax client sessions, or restarted without"
                    + " their state) and refused its request " + number + unknownOutcome
                    + (begun >= 0 ? ". Later calls go in session " + begun
                    : ". This client's session is the highest there is, so it cannot begin a newer one; use another"
                    + " client id");
        }
        return new PhalanxException(name + ": " + what);
    }

    /**
     * Carries out what the core decided.
     *
     * @param cause why the core sends requests again in this output, if it does; null for an invoke
     */
    private void apply(ClientOutput output, ClientCounters.Resend cause) {
        for (ClientOutput.Transmission transmission : output.transmissions()) {
            Call call = inCore.get(transmission.operationId());
            count(call, transmission.request(), cause);
            try {
                byte[] frame = encode(call, transmission.request());
                if (transmission instanceof ClientOutput.Unicast unicast) {
                    outbox.send(unicast.replica(), frame);
                } else {
                    for (int replica : replicas) {
                        outbox.send(replica, frame);
                    }
                }
            } catch (CodecException e) {
                // Too large for a frame: it never will be sendable, so the call ends here and its
                // place in the core is freed (a done future alone would hold it until the deadline
                // sweep, which only drops calls that are already done).
                if (call != null && inCore.remove(call.operationId) != null) {
                    core.cancel(call.operationId);
                    admitted.decrementAndGet();
                    counters.failed(ClientCounters.Failure.UNSENDABLE);
                    counters.inFlight(inCore.size());
                    call.future.completeExceptionally(new PhalanxException("request cannot be sent: " + e.getMessage()));
                }
            }
        }
        for (ClientOutput.Timer timer : output.timers()) {
            timers.add(new Timer(timer.deadlineMs(), timer.operationId(), timer.attempt()));
        }
        boolean freed = false;
        for (ClientOutput.Completion completion : output.completions()) {
            Call call = inCore.remove(completion.operationId());
            if (call != null) {
                admitted.decrementAndGet();
                freed = true;
                if (!call.future.isDone()) {
                    counters.completed(System.nanoTime() - call.invokedAtNanos);
                    counters.inFlight(inCore.size()); // before the future: its waiter reads the gauges
                    // Runs the caller's non-async callbacks here, on the network thread; one that
                    // starts the next call has it taken in at once (see submit).
                    call.future.complete(completion.result());
                }
            }
        }
        for (ClientOutput.Failure failure : output.failures()) {
            // Before the future fails: a callback that starts the next call must find the new session.
            long begun = beginSessionAfter(failure);
            Call call = inCore.remove(failure.operationId());
            if (call != null) {
                admitted.decrementAndGet();
                freed = true;
                counters.failed(switch (failure.reason()) {
                    case SESSION_SUPERSEDED -> ClientCounters.Failure.SESSION_SUPERSEDED;
                    case SESSION_UNKNOWN -> ClientCounters.Failure.SESSION_UNKNOWN;
                    case VIEW_OUTDATED -> ClientCounters.Failure.VIEW_OUTDATED;
                });
                counters.inFlight(inCore.size());
                call.future.completeExceptionally(refused(failure, begun));
            }
        }
        if (freed && !waiting.isEmpty()) {
            admitSubmitted(); // calls waiting for a place in the core take the freed ones
        }
        armTimer();
    }

    /**
     * Counts a transmission: the same request as the call's last one is a retransmission (for
     * {@code cause}); another request of a call that sent one already is its read-only query
     * retried as an ordered request; a call's first request is neither.
     */
    private void count(Call call, Request request, ClientCounters.Resend cause) {
        if (call == null || call.lastRequest == null) {
            return;
        }
        if (request != call.lastRequest) {
            counters.retriedOrdered();
        } else if (cause != null) {
            counters.resent(cause);
        }
    }

    /**
     * The encoding of {@code request}, made once per request of a call (the core hands out the
     * same {@code Request} object each time it sends one again).
     */
    private byte[] encode(Call call, Request request) throws CodecException {
        if (call == null) {
            return codec.encode(request);
        }
        if (request != call.lastRequest) {
            call.lastFrame = codec.encode(request);
            call.lastRequest = request;
        }
        return call.lastFrame;
    }

    private PhalanxException closedException() {
        return new PhalanxException(name + " is closed");
    }

    private void failSubmitted(PhalanxException closed) {
        Call call;
        while ((call = submitted.poll()) != null) {
            call.future.completeExceptionally(closed);
        }
    }

    private void failAll() {
        running = false;
        PhalanxException closed = closedException();
        List.copyOf(inCore.values()).forEach(c -> c.future.completeExceptionally(closed));
        inCore.clear();
        counters.inFlight(0);
        waiting.forEach(c -> c.future.completeExceptionally(closed));
        waiting.clear();
        failSubmitted(closed);
    }
}
