package io.phalanx.runtime;

import io.phalanx.core.client.ClientCore;
import io.phalanx.core.client.ClientOutput;
import io.phalanx.core.codec.CodecException;
import io.phalanx.core.codec.MessageCodec;
import io.phalanx.core.message.Bytes;
import io.phalanx.core.message.Reply;
import io.phalanx.core.message.Request;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.time.InstantSource;
import java.util.ArrayDeque;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.PriorityQueue;
import java.util.Queue;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;

/**
 * A client's driver thread: the only thread that touches its {@link ClientCore}.
 *
 * <p>Inputs: calls from application threads (admitted by an atomic count bounded by
 * {@code outstandingMax + waitingMax}, so their queue is bounded), and replies decoded on Netty
 * I/O threads (a bounded queue; a full queue drops the reply and counts it — the core
 * retransmits and the replicas answer from their reply cache). Timers — the core's
 * retransmission timers (a heap) and each call's deadline (a FIFO, as every call has the same
 * timeout) — are owned by this thread, which uses the earliest as its poll timeout: a timer can
 * never be lost to a full queue, and none needs cancelling.
 *
 * <p>At most {@code outstandingMax} calls are in the core at once (its own limit); later calls
 * wait in FIFO order. A call past its deadline fails with {@link PhalanxTimeoutException} and
 * is cancelled in the core (no more retransmissions; an ordered request already sent may still
 * take effect).
 */
final class ClientLoop implements Runnable {
    private static final Logger log = LoggerFactory.getLogger(ClientLoop.class);
    private static final long IDLE_POLL_MS = 200;

    /** Sends one encoded request to every replica, or to one. */
    interface Broadcaster {
        void broadcast(byte[] frame);

        void send(int replicaId, byte[] frame);
    }

    /** One call of the application. */
    static final class Call {
        final Bytes operation;
        final boolean readOnly;
        final CompletableFuture<Bytes> future = new CompletableFuture<>();
        final long deadlineMs;
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

    private record ReplyIn(int from, Reply reply) {
    }

    private record ReplicaUp(int replicaId) {
    }

    private record ReplicaDown(int replicaId) {
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
    private final Queue<Call> submitted = new ConcurrentLinkedQueue<>();
    private final BlockingQueue<Object> events;
    private final AtomicInteger admitted = new AtomicInteger();
    /** True while a wake-up marker for submitted calls is queued; keeps markers from crowding out replies. */
    private final java.util.concurrent.atomic.AtomicBoolean wakeQueued = new java.util.concurrent.atomic.AtomicBoolean();
    private final AtomicLong repliesDropped = new AtomicLong();
    private final AtomicLong timedOut = new AtomicLong();
    private final AtomicLong completed = new AtomicLong();
    private final ArrayDeque<Call> waiting = new ArrayDeque<>();
    private final Map<Long, Call> inCore = new HashMap<>();
    private final PriorityQueue<Timer> timers = new PriorityQueue<>((a, b) -> Long.compare(a.atMs, b.atMs));
    /** Open calls in submission order, which is deadline order (one timeout for all calls). */
    private final ArrayDeque<Call> deadlines = new ArrayDeque<>();
    private volatile Broadcaster broadcaster = new Broadcaster() {
        @Override
        public void broadcast(byte[] frame) {
        }

        @Override
        public void send(int replicaId, byte[] frame) {
        }
    };
    private volatile boolean running = true;
    private long nextOperationId = 1;

    ClientLoop(String name, ClientCore core, MessageCodec codec, InstantSource clock, long callTimeoutMs,
               int callsMax, int repliesMax) {
        this.name = name;
        this.core = core;
        this.codec = codec;
        this.clock = clock;
        this.callTimeoutMs = callTimeoutMs;
        this.callsMax = callsMax;
        this.events = new ArrayBlockingQueue<>(repliesMax);
    }

    void broadcaster(Broadcaster sender) {
        this.broadcaster = sender;
    }

    /** From any thread: queues a call, or fails it at once when too many are open. */
    CompletableFuture<Bytes> submit(Bytes operation, boolean readOnly) {
        Call call = new Call(operation, readOnly, clock.millis() + callTimeoutMs);
        if (!running) {
            call.future.completeExceptionally(new PhalanxException(name + " is closed"));
            return call.future;
        }
        if (admitted.incrementAndGet() > callsMax) {
            admitted.decrementAndGet();
            call.future.completeExceptionally(new PhalanxOverloadedException(name + " already has " + callsMax
                    + " calls outstanding or waiting; wait for some to complete"));
            return call.future;
        }
        submitted.add(call);
        if (wakeQueued.compareAndSet(false, true) && !events.offer(Boolean.TRUE)) {
            wakeQueued.set(false); // full: the thread is busy and drains `submitted` every iteration anyway
        }
        return call.future;
    }

    /** From I/O threads; never blocks. */
    void onReply(int from, Reply reply) {
        if (!events.offer(new ReplyIn(from, reply))) {
            repliesDropped.incrementAndGet();
        }
    }

    /**
     * From I/O threads: a replica connection came up. Requests broadcast while it was down were
     * dropped for it; they are sent to it again at once instead of after a retransmission
     * timeout (this is what makes the first call of a new client fast).
     */
    void onReplicaUp(int replicaId) {
        events.offer(new ReplicaUp(replicaId)); // if full, the core's retransmission covers it
    }

    /**
     * From I/O threads: a replica connection was lost. Requests sent to it alone (it was the
     * leader) go to every replica at once instead of after a retransmission timeout.
     */
    void onReplicaDown(int replicaId) {
        events.offer(new ReplicaDown(replicaId)); // if full, the core's retransmission covers it
    }

    void stop() {
        running = false;
        events.offer(Boolean.FALSE);
    }

    long repliesDropped() {
        return repliesDropped.get();
    }

    long timedOut() {
        return timedOut.get();
    }

    long completed() {
        return completed.get();
    }

    int open() {
        return admitted.get();
    }

    @Override
    public void run() {
        try {
            while (running) {
                admitSubmitted();
                long now = clock.millis();
                fireTimers(now);
                long waitMs = Math.min(IDLE_POLL_MS, Math.max(1, nextTimerMs() - now));
                Object event = events.poll(waitMs, TimeUnit.MILLISECONDS);
                if (event instanceof ReplyIn r) {
                    apply(core.onReply(clock.millis(), r.from(), r.reply()));
                } else if (event instanceof ReplicaUp up) {
                    apply(core.onReplicaUp(up.replicaId()));
                } else if (event instanceof ReplicaDown down) {
                    apply(core.onReplicaDown(down.replicaId()));
                }
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } catch (RuntimeException | Error e) {
            log.error("{}: client thread stopped: {}", name, e.toString(), e);
        } finally {
            running = false;
            failAll();
        }
    }

    private void admitSubmitted() {
        wakeQueued.set(false);
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
            apply(core.invoke(clock.millis(), next.operationId, next.operation, next.readOnly));
        }
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

    private void fireTimers(long now) {
        while (!timers.isEmpty() && timers.peek().atMs <= now) {
            Timer timer = timers.poll();
            apply(core.onTimeout(now, timer.operationId, timer.attempt));
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
    }

    private void expire(Call call) {
        // Counters move before the future completes, so whoever waits on it sees them updated.
        // Only this thread completes futures of admitted calls.
        timedOut.incrementAndGet();
        call.future.completeExceptionally(new PhalanxTimeoutException(name + ": no result from a quorum of replicas within "
                + callTimeoutMs + " ms" + (call.readOnly ? "" : "; the operation may still take effect later")));
    }

    private void apply(ClientOutput output) {
        for (ClientOutput.Transmission transmission : output.transmissions()) {
            Call call = inCore.get(transmission.operationId());
            try {
                byte[] frame = encode(call, transmission.request());
                if (transmission instanceof ClientOutput.Unicast unicast) {
                    broadcaster.send(unicast.replica(), frame);
                } else {
                    broadcaster.broadcast(frame);
                }
            } catch (CodecException e) {
                if (call != null) {
                    call.future.completeExceptionally(new PhalanxException("request cannot be sent: " + e.getMessage()));
                }
            }
        }
        for (ClientOutput.Timer timer : output.timers()) {
            timers.add(new Timer(timer.deadlineMs(), timer.operationId(), timer.attempt()));
        }
        for (ClientOutput.Completion completion : output.completions()) {
            Call call = inCore.remove(completion.operationId());
            if (call != null) {
                admitted.decrementAndGet();
                if (!call.future.isDone()) {
                    completed.incrementAndGet();
                    call.future.complete(completion.result());
                }
            }
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

    private void failAll() {
        PhalanxException closed = new PhalanxException(name + " is closed");
        List.copyOf(inCore.values()).forEach(c -> c.future.completeExceptionally(closed));
        waiting.forEach(c -> c.future.completeExceptionally(closed));
        Call call;
        while ((call = submitted.poll()) != null) {
            call.future.completeExceptionally(closed);
        }
    }
}
