package io.phalanx.sim;

import io.phalanx.core.client.ClientConfig;
import io.phalanx.core.client.ClientCore;
import io.phalanx.core.client.ClientOutput;
import io.phalanx.core.codec.CodecException;
import io.phalanx.core.codec.MessageCodec;
import io.phalanx.core.crypto.Signer;
import io.phalanx.core.message.Bytes;
import io.phalanx.core.message.Message;
import io.phalanx.core.message.Reply;
import io.phalanx.core.message.Request;
import io.phalanx.core.message.RequestId;
import io.phalanx.core.view.View;
import io.phalanx.kv.KvOperation;
import io.phalanx.sim.check.ClientOperation;
import io.phalanx.sim.kv.KvWorkload;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;

/**
 * A correct client in the simulator: the real {@link ClientCore} running a closed-loop random
 * key-value workload, keeping up to {@code clientOutstandingMax} operations in flight and
 * recording what it invoked and what it was told, with times, for the checkers.
 */
final class SimClient {
    private final long clientId;
    private final ClientCore core;
    private final SimConfig config;
    private final View view;
    private final SimNetwork network;
    private final EventQueue queue;
    private final Trace trace;
    private final MessageCodec codec;
    private final SplittableRandom random;
    private final KvWorkload workload = new KvWorkload();
    private final Map<Long, Recording> recordings = new LinkedHashMap<>();
    private long nextOperationId;
    private int completed;

    SimClient(long clientId, SimConfig config, SimNetwork network, EventQueue queue, Trace trace,
              MessageCodec codec, SplittableRandom random, Signer signer) {
        this.clientId = clientId;
        this.config = config;
        this.view = config.view();
        this.core = new ClientCore(clientId, view, new ClientConfig(500, 4_000, config.clientOutstandingMax()), signer, 0,
                config.plantedBugs());
        this.network = network;
        this.queue = queue;
        this.trace = trace;
        this.codec = codec;
        this.random = random;
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
        return completed == config.operationsPerClient();
    }

    private void invokeNext() {
        if (nextOperationId >= config.operationsPerClient() || !core.canInvoke()) {
            return;
        }
        long operationId = nextOperationId++;
        KvOperation operation = workload.next(random);
        boolean readOnly = operation.readOnly() && random.nextInt(100) < config.readOnlyPercent();
        Bytes bytes = operation.encode();
        recordings.put(operationId, new Recording(bytes, readOnly, queue.now()));
        trace.record(queue.now(), bytes.hashCode() * 31L + clientId, () -> "c" + clientId + " INVOKES op" + operationId
                + (readOnly ? " (read-only) " : " ") + operation);
        apply(core.invoke(queue.now(), operationId, bytes, readOnly));
    }

    void deliver(int from, byte[] bytes) {
        Message message;
        try {
            message = codec.decode(bytes);
        } catch (CodecException e) {
            return;
        }
        if (message instanceof Reply reply) {
            apply(core.onReply(queue.now(), from, reply));
        }
    }

    private void apply(ClientOutput output) {
        for (ClientOutput.Transmission transmission : output.transmissions()) {
            Request request = transmission.request();
            Recording recording = recordings.get(transmission.operationId());
            if (!recording.sent.contains(request.id())) {
                recording.sent.add(request.id());
            }
            if (transmission instanceof ClientOutput.Unicast unicast) {
                network.send(address(clientId), unicast.replica(), request);
            } else {
                view.members().forEach(replica -> network.send(address(clientId), replica, request));
            }
        }
        for (ClientOutput.Completion completion : output.completions()) {
            complete(completion);
        }
        for (ClientOutput.Timer timer : output.timers()) {
            queue.at(timer.deadlineMs(), () -> apply(core.onTimeout(queue.now(), timer.operationId(), timer.attempt())));
        }
    }

    private void complete(ClientOutput.Completion completion) {
        Recording recording = recordings.get(completion.operationId());
        recording.completedAtMs = queue.now();
        recording.completedAs = completion.acceptedRequest();
        recording.result = completion.result();
        completed++;
        trace.record(queue.now(), completion.result().hashCode() * 31L + clientId, () -> "c" + clientId + " COMPLETES op"
                + completion.operationId() + " as " + completion.acceptedRequest() + " = " + Describe.result(completion.result()));
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
            if (r.completedAtMs < 0) {
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
        RequestId completedAs;
        Bytes result;

        Recording(Bytes operation, boolean readOnly, long invokedAtMs) {
            this.operation = operation;
            this.readOnly = readOnly;
            this.invokedAtMs = invokedAtMs;
        }
    }
}
