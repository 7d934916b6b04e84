package io.phalanx.sim;

import io.phalanx.core.client.ClientConfig;
import io.phalanx.core.client.ClientCore;
import io.phalanx.core.client.ClientOutput;
import io.phalanx.core.codec.CodecException;
import io.phalanx.core.codec.MessageCodec;
import io.phalanx.core.crypto.Signer;
import io.phalanx.core.message.Bytes;
import io.phalanx.core.message.Message;
import io.phalanx.core.message.Refusal;
import io.phalanx.core.message.Reply;
import io.phalanx.core.message.Request;
import io.phalanx.core.message.RequestId;
import io.phalanx.core.view.View;
import io.phalanx.sim.check.ClientOperation;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;

/**
 * A correct client in the simulator: the real {@link ClientCore} running a closed-loop random
 * workload of the run's service ({@link ClientWorkload}), keeping up to {@code clientOutstandingMax} operations in flight and
 * recording what it invoked and what it was told, with times, for the checkers.
 *
 * <p>Sessions. It begins in session 0. In runs where replicas evict client sessions
 * ({@link SimConfig#evictsSessions}) a quorum may refuse a request of its session; the call then
 * ends without a result (it may or may not have run, which the checkers allow for an operation
 * that never completed) and the client begins a new session for its next calls, numbered by the
 * simulated time (and above its last), as the runtime numbers sessions by wall time.
 * Calls still outstanding in an older session go on there until they complete or are refused.
 */
final class SimClient {
    private final long clientId;
    private final SimConfig config;
    private final View view;
    private final Signer signer;
    /** The core of the current session, which new calls go to. */
    private ClientCore core;
    /** Every session's core by session number, so answers to older sessions still reach theirs. */
    private final Map<Long, ClientCore> coresBySession = new LinkedHashMap<>();
    private long session;
    private final SimNetwork network;
    private final EventQueue queue;
    private final Trace trace;
    private final MessageCodec codec;
    private final SplittableRandom random;
    private final ClientWorkload workload;
    private final Map<Long, Recording> recordings = new LinkedHashMap<>();
    private long nextOperationId;
    private int completed;
    /** Calls that ended refused (their session was evicted or superseded). */
    private int failed;

    SimClient(long clientId, SimConfig config, SimNetwork network, EventQueue queue, Trace trace,
              MessageCodec codec, SplittableRandom random, Signer signer, ClientWorkload workload) {
        this.clientId = clientId;
        this.workload = workload;
        this.config = config;
        this.view = config.view();
        this.signer = signer;
        this.core = newCore(0);
        this.network = network;
        this.queue = queue;
        this.trace = trace;
        this.codec = codec;
        this.random = random;
    }

    private ClientCore newCore(long newSession) {
        // A new session starts in the newest view the client has learned.
        View current = core == null ? view : core.view();
        ClientCore created = new ClientCore(clientId, current, new ClientConfig(500, 4_000, config.clientOutstandingMax()),
                signer, newSession, config.plantedBugs());
        session = newSession;
        coresBySession.put(newSession, created);
        return created;
    }

    /** The network address of client {@code clientId}. */
    static int address(long clientId) {
        return (int) -clientId;
    }

    void start() {
        for (int i = 0; i < config.clientOutstandingMax(); i++) {
            queue.at(queue.now() + random.nextInt(20), this::invokeNext);
        }
    }

    boolean done() {
        return completed + failed == config.operationsPerClient();
    }

    private void invokeNext() {
        long outstanding = nextOperationId - completed - failed;
        if (nextOperationId >= config.operationsPerClient() || !core.canInvoke()
                || outstanding >= config.clientOutstandingMax()) {
            return;
        }
        long operationId = nextOperationId++;
        ClientWorkload.Call call = workload.next(random);
        boolean readOnly = call.readOnly();
        Bytes bytes = call.operation();
        recordings.put(operationId, new Recording(bytes, readOnly, queue.now()));
        trace.record(queue.now(), bytes.hashCode() * 31L + clientId, () -> "c" + clientId + " INVOKES op" + operationId
                + (readOnly ? " (read-only) " : " ") + call.text());
        apply(core, core.invoke(queue.now(), operationId, bytes, readOnly));
    }

    void deliver(int from, byte[] bytes) {
        ClientCore to = null;
        Message message = decode(codec, bytes);
        if (message instanceof Reply reply) {
            to = coresBySession.get(reply.sequence() >>> 32);
        } else if (message instanceof Refusal refusal) {
            to = coresBySession.get(refusal.sequence() >>> 32);
        }
        if (to != null) {
            apply(to, answer(to, queue.now(), from, message));
        }
    }

    /** The message {@code bytes} encode, or null if they are none (a Byzantine replica's garbage). */
    static Message decode(MessageCodec codec, byte[] bytes) {
        try {
            return codec.decode(bytes);
        } catch (CodecException e) {
            return null;
        }
    }

    /** What {@code core} makes of a reply or refusal from replica {@code from}; nothing of other messages. */
    static ClientOutput answer(ClientCore core, long nowMs, int from, Message message) {
        if (message instanceof Reply reply) {
            return core.onReply(nowMs, from, reply);
        }
        if (message instanceof Refusal refusal) {
            return core.onRefusal(from, refusal);
        }
        return ClientOutput.EMPTY;
    }

    private void apply(ClientCore from, ClientOutput output) {
        for (ClientOutput.Transmission transmission : output.transmissions()) {
            Request request = transmission.request();
            Recording recording = recordings.get(transmission.operationId());
            if (!recording.sent.contains(request.id())) {
                recording.sent.add(request.id());
            }
            if (transmission instanceof ClientOutput.Unicast unicast) {
                network.send(address(clientId), unicast.replica(), request);
            } else {
                from.view().members().forEach(replica -> network.send(address(clientId), replica, request));
            }
        }
        for (ClientOutput.Completion completion : output.completions()) {
            complete(completion);
        }
        for (ClientOutput.Timer timer : output.timers()) {
            queue.at(timer.deadlineMs(), () -> apply(from, from.onTimeout(queue.now(), timer.operationId(), timer.attempt())));
        }
        for (ClientOutput.Failure failure : output.failures()) {
            fail(failure);
        }
    }

    /**
     * A quorum refused the call's request for its session's sake: the call ends without a result,
     * and the client's next calls go to a new session (if this was the current one).
     */
    private void fail(ClientOutput.Failure failure) {
        Recording recording = recordings.get(failure.operationId());
        recording.failedAtMs = queue.now();
        failed++;
        trace.record(queue.now(), failure.refusedRequest().hashCode() * 31L + clientId, () -> "c" + clientId + " FAILS op"
                + failure.operationId() + ": a quorum refused " + failure.refusedRequest() + " (" + failure.reason() + ")");
        long refusedSession = failure.refusedRequest().sequence() >>> 32;
        if (refusedSession == session) {
            long next = Math.min(Integer.MAX_VALUE, Math.max(session + 1, queue.now()));
            core = newCore(next);
            trace.record(queue.now(), next * 31 + clientId, () -> "c" + clientId + " BEGINS session " + next);
        }
        queue.at(queue.now() + random.nextInt(10), this::invokeNext);
    }

    private void complete(ClientOutput.Completion completion) {
        Recording recording = recordings.get(completion.operationId());
        recording.completedAtMs = queue.now();
        recording.completedAs = completion.acceptedRequest();
        recording.result = completion.result();
        completed++;
        workload.completed(recording.operation, completion.result(), queue.now());
        trace.record(queue.now(), completion.result().hashCode() * 31L + clientId, () -> "c" + clientId + " COMPLETES op"
                + completion.operationId() + " as " + completion.acceptedRequest() + " = "
                + workload.describeResult(completion.result()));
        queue.at(queue.now() + random.nextInt(10), this::invokeNext);
    }

    List<ClientOperation> operations() {
        List<ClientOperation> operations = new ArrayList<>();
        for (Recording r : recordings.values()) {
            operations.add(new ClientOperation(clientId, r.operation, r.readOnly, r.sent, r.invokedAtMs,
                    r.completedAtMs, r.completedAs, r.result));
        }
        return operations;
    }

    /** Incomplete operations as readable lines, for liveness reports. */
    List<String> unfinished() {
        List<String> lines = new ArrayList<>();
        recordings.forEach((id, r) -> {
            if (r.completedAtMs < 0 && r.failedAtMs < 0) {
                lines.add("c" + clientId + " op" + id + " invoked at " + r.invokedAtMs + " ms, sent as " + r.sent);
            }
        });
        if (nextOperationId < config.operationsPerClient()) {
            lines.add("c" + clientId + " never invoked " + (config.operationsPerClient() - nextOperationId) + " operations");
        }
        return lines;
    }

    /**
     * Completed operations that took longer than {@code boundMs} counted from their invocation
     * or from GST, whichever is later, as readable lines.
     */
    List<String> late(long gstMs, long boundMs) {
        List<String> lines = new ArrayList<>();
        recordings.forEach((id, r) -> {
            long from = Math.max(r.invokedAtMs, gstMs);
            if (r.completedAtMs >= 0 && r.completedAtMs - from > boundMs) {
                lines.add("c" + clientId + " op" + id + " invoked at " + r.invokedAtMs + " ms completed only at "
                        + r.completedAtMs + " ms, over the bound of " + boundMs + " ms after " + from + " ms");
            }
        });
        return lines;
    }

    private static final class Recording {
        final Bytes operation;
        final boolean readOnly;
        final long invokedAtMs;
        final List<RequestId> sent = new ArrayList<>();
        long completedAtMs = -1;
        /** When a quorum refused it (it then never completes); -1 if none did. */
        long failedAtMs = -1;
        RequestId completedAs;
        Bytes result;

        Recording(Bytes operation, boolean readOnly, long invokedAtMs) {
            this.operation = operation;
            this.readOnly = readOnly;
            this.invokedAtMs = invokedAtMs;
        }
    }
}
