package io.phalanx.runtime;

import io.phalanx.core.codec.CodecException;
import io.phalanx.core.codec.MessageCodec;
import io.phalanx.core.message.Decision;
import io.phalanx.core.message.ReplicaMessage;
import io.phalanx.core.message.Request;
import io.phalanx.core.message.RequestId;
import io.phalanx.core.replica.Input;
import io.phalanx.core.replica.Output;
import io.phalanx.core.replica.ReplicaCore;
import io.phalanx.core.replica.Send;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.time.InstantSource;
import java.util.IdentityHashMap;
import java.util.Map;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Consumer;

/**
 * A replica's protocol thread: the only thread that calls {@link ReplicaCore#step}. Netty I/O
 * threads decode frames and {@link #offer} inputs into a bounded queue (a full queue drops the
 * input, counts it and logs a rate-limited WARN: the protocol retransmits, and an unbounded
 * queue would let one fast peer exhaust memory). The thread takes inputs one at a time and
 * executes each {@link Output}: decisions, queries and resends go to the {@link ExecutionLoop},
 * messages are encoded once per step and handed to the mesh.
 *
 * <p>Timers: the core's {@code wakeAtMs} becomes the poll timeout of the queue, and the
 * {@code Tick} is delivered by this same thread when it is reached. So a tick can never be lost
 * to a full queue and no timer needs cancelling across threads. The earliest wanted time is
 * kept (a tick that comes early is harmless) — replacing it with every step's later value
 * would postpone ticks forever under steady traffic. Time is {@code System.currentTimeMillis()}
 * (via an {@link InstantSource}), as the core compares it with batch timestamps of other replicas.
 */
final class ProtocolLoop implements Runnable {
    private static final Logger log = LoggerFactory.getLogger(ProtocolLoop.class);
    /** Longest the thread sleeps without a timer, so it notices {@link #stop()} promptly. */
    private static final long IDLE_POLL_MS = 200;

    /** Where encoded replica messages go: the mesh. */
    @FunctionalInterface
    interface MessageSender {
        boolean send(int replicaId, byte[] frame);
    }

    private final String name;
    private final int selfId;
    private final ReplicaCore core;
    private final MessageCodec codec;
    private final ExecutionLoop execution;
    private final InstantSource clock;
    private final BlockingQueue<Input> inputs;
    private final Consumer<ReplicaStatus.Core> statusSink;
    private final Consumer<Throwable> onFatal;
    private final RateLimitedWarning inboundDrops = new RateLimitedWarning(log);
    private final AtomicLong encodeFailures = new AtomicLong();
    private volatile MessageSender mesh = (to, frame) -> false;
    private volatile boolean running = true;
    private long wakeAtMs = Output.NEVER;
    private int reportedRegency;
    private int reportedLeader;

    ProtocolLoop(String name, ReplicaCore core, MessageCodec codec, ExecutionLoop execution, InstantSource clock,
                 int inputsMax, Consumer<ReplicaStatus.Core> statusSink, Consumer<Throwable> onFatal) {
        this.name = name;
        this.selfId = core.id();
        this.core = core;
        this.codec = codec;
        this.execution = execution;
        this.clock = clock;
        this.inputs = new ArrayBlockingQueue<>(inputsMax);
        this.statusSink = statusSink;
        this.onFatal = onFatal;
        this.reportedRegency = core.regency();
        this.reportedLeader = core.leader();
        publishStatus();
    }

    void mesh(MessageSender sender) {
        this.mesh = sender;
    }

    /** Called from I/O threads; never blocks. */
    void offer(Input input, String from) {
        if (!inputs.offer(input)) {
            inboundDrops.record("{}: inbound queue full ({} inputs), dropping input from {}", name,
                    inputs.size(), from);
        }
    }

    long inboundDropped() {
        return inboundDrops.count();
    }

    long encodeFailures() {
        return encodeFailures.get();
    }

    int queued() {
        return inputs.size();
    }

    void stop() {
        running = false;
    }

    @Override
    public void run() {
        try {
            while (running) {
                long now = clock.millis();
                if (now >= wakeAtMs) {
                    wakeAtMs = Output.NEVER;
                    step(now, new Input.Tick());
                    continue;
                }
                long waitMs = wakeAtMs == Output.NEVER ? IDLE_POLL_MS : Math.min(IDLE_POLL_MS, wakeAtMs - now);
                Input input = inputs.poll(Math.max(1, waitMs), TimeUnit.MILLISECONDS);
                if (input != null) {
                    step(clock.millis(), input);
                }
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } catch (RuntimeException | Error e) {
            // A broken invariant in the core: stop loudly rather than continue with corrupt state.
            log.error("{}: protocol thread stopped: {}", name, e.toString(), e);
            onFatal.accept(e);
        }
    }

    private void step(long nowMs, Input input) throws InterruptedException {
        Output output = core.step(nowMs, input);
        for (Decision decision : output.decisions()) {
            execution.submitDecision(decision);
        }
        send(output);
        for (Request request : output.unordered()) {
            execution.submitQuery(request);
        }
        for (RequestId id : output.replyResends()) {
            execution.submitResend(id);
        }
        if (output.wakeAtMs() == Output.NEVER) {
            wakeAtMs = Output.NEVER;
        } else if (output.wakeAtMs() < wakeAtMs) {
            wakeAtMs = output.wakeAtMs();
        }
        publishStatus();
    }

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
        if (regency != reportedRegency || leader != reportedLeader) {
            log.info("{}: regency {} installed, leader is now r{} (was regency {}, leader r{})", name, regency, leader,
                    reportedRegency, reportedLeader);
            reportedRegency = regency;
            reportedLeader = leader;
        }
        statusSink.accept(new ReplicaStatus.Core(regency, leader, core.active(), core.lastDecided(),
                core.pendingRequests(), core.counters().snapshot()));
    }
}
