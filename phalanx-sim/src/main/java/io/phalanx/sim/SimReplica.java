package io.phalanx.sim;

import io.phalanx.core.codec.CodecException;
import io.phalanx.core.codec.MessageCodec;
import io.phalanx.core.message.Decision;
import io.phalanx.core.message.Message;
import io.phalanx.core.message.ReplicaMessage;
import io.phalanx.core.message.Reply;
import io.phalanx.core.message.Request;
import io.phalanx.core.message.RequestId;
import io.phalanx.core.replica.Input;
import io.phalanx.core.replica.Output;
import io.phalanx.core.replica.ReplicaConfig;
import io.phalanx.core.replica.ReplicaCore;
import io.phalanx.core.replica.ReplyPolicy;
import io.phalanx.core.replica.Send;
import io.phalanx.core.replica.ServiceExecutor;
import io.phalanx.core.service.RequestVerifier;
import io.phalanx.core.view.QuorumSystem;
import io.phalanx.sim.check.Decided;
import io.phalanx.sim.check.Executed;
import io.phalanx.sim.check.ReplicaHistory;
import io.phalanx.sim.kv.KeyValueService;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;

/**
 * A replica in the simulator: the real {@link ReplicaCore} and {@link ServiceExecutor} over a
 * key-value service, driven by simulated deliveries and ticks, with everything it decides and
 * executes recorded for the checkers. Replies are hashed (one full reply per request, digests
 * from the others; retransmissions are answered in full). Its clock is the simulated time plus a fixed skew. A
 * {@link Behavior} other than the correct one makes it Byzantine (and unchecked).
 */
final class SimReplica {
    /** Request timeout of simulated replicas: a few network round trips plus a spike. */
    static final long REQUEST_TIMEOUT_MS = 400;

    final int id;
    final String name;
    private final ReplicaCore core;
    private final ServiceExecutor executor;
    private final ReplyPolicy replies;
    private final Behavior.Outbox outbox;
    private final Behavior behavior;
    private final boolean correct;
    private final EventQueue queue;
    private final Trace trace;
    private final MessageCodec codec;
    private final long clockSkewMs;
    private final List<Decided> decisions = new ArrayList<>();
    private final List<Executed> executions = new ArrayList<>();
    private long tickAtMs = Output.NEVER;
    private int reportedRegency;
    private boolean crashed;
    long undecodable;

    SimReplica(int id, String name, SimConfig config, QuorumSystem quorums, Behavior.Outbox outbox, Behavior behavior,
               boolean correct, EventQueue queue, Trace trace, MessageCodec codec, SimCrypto crypto,
               SplittableRandom random) {
        this.id = id;
        this.name = name;
        ReplicaConfig replicaConfig = ReplicaConfig.defaults(id, config.view())
                .withRequestTimeoutMs(REQUEST_TIMEOUT_MS)
                .withClientSignaturesRequired(true)
                .withPipelineMax(config.pipelineMax());
        this.core = new ReplicaCore(replicaConfig, quorums, RequestVerifier.ACCEPT_ALL, crypto.replicaSigner(id), crypto,
                random.split(), ReplicaCore.Start.NEW_CLUSTER, config.plantedBugs());
        this.executor = new ServiceExecutor(id, config.view().id(), new KeyValueService(), replicaConfig.clientWindowMax(),
                config.plantedBugs());
        this.replies = ReplyPolicy.hashedReplies(config.view(), id);
        this.outbox = outbox;
        this.behavior = behavior;
        this.correct = correct;
        this.queue = queue;
        this.trace = trace;
        this.codec = codec;
        this.clockSkewMs = random.nextInt(101) - 50;
    }

    void crash() {
        crashed = true;
        trace.record(queue.now(), 0xC4A5L * 31 + id, () -> name + " CRASHES");
    }

    boolean crashed() {
        return crashed;
    }

    boolean correct() {
        return correct;
    }

    ReplicaCore core() {
        return core;
    }

    void deliver(int from, byte[] bytes) {
        if (crashed) {
            return;
        }
        Message message;
        try {
            message = codec.decode(bytes);
        } catch (CodecException e) {
            undecodable++;
            trace.record(queue.now(), 0xBAD0L + id, () -> name + " DISCARDS undecodable bytes from "
                    + Describe.node(from) + ": " + e.getMessage());
            return;
        }
        if (message instanceof ReplicaMessage m && from >= 0) {
            step(new Input.MessageReceived(from, m));
        } else if (message instanceof Request r && from == SimClient.address(r.clientId())) {
            step(new Input.RequestReceived(r));
        } else {
            undecodable++; // a reply sent to a replica, or a request on another client's link
        }
    }

    private void tick() {
        tickAtMs = Output.NEVER;
        if (!crashed) {
            step(new Input.Tick());
        }
    }

    private void step(Input input) {
        Input given = behavior.onInput(input);
        if (given == null) {
            return;
        }
        long localNow = queue.now() + clockSkewMs;
        Output output = core.step(localNow, given);
        apply(output);
        reportRegency();
        long wakeAt = output.wakeAtMs() == Output.NEVER ? Output.NEVER : output.wakeAtMs() - clockSkewMs;
        if (wakeAt < tickAtMs) {
            tickAtMs = Math.max(wakeAt, queue.now() + 1);
            long at = tickAtMs;
            queue.at(at, () -> {
                if (tickAtMs == at) {
                    tick();
                }
            });
        }
    }

    private void reportRegency() {
        int regency = core.regency();
        if (regency != reportedRegency) {
            reportedRegency = regency;
            int leader = core.leader();
            trace.record(queue.now(), 0x5E6L * 31 + id * 7L + regency, () -> name + " INSTALLS regency " + regency
                    + " (leader r" + leader + ")");
        }
    }

    private void apply(Output output) {
        for (Decision decision : output.decisions()) {
            execute(decision);
        }
        for (Send send : output.sends()) {
            behavior.onSend(send.to(), send.message(), outbox);
        }
        for (Request request : output.unordered()) {
            outbox.send(SimClient.address(request.clientId()), replies.shape(executor.query(request)));
        }
        output.replyResends().forEach(requestId -> executor.cachedReply(requestId)
                .ifPresent(reply -> outbox.send(SimClient.address(reply.clientId()), reply)));
        // A refusal is answered from the reply cache when it can be, as the runtime does. Simulated
        // clients run one session each and do not act on refusals, so the refusal itself is not sent.
        output.refusals().forEach(refusal -> executor.cachedReply(refusal.requestId())
                .ifPresent(reply -> outbox.send(SimClient.address(reply.clientId()), reply)));
    }

    private void execute(Decision decision) {
        decisions.add(new Decided(decision.consensusId(), decision.digest(), decision.batch()));
        trace.record(queue.now(), decision.digest().hashCode() * 31L + id, () -> name + " DECIDES cid="
                + decision.consensusId() + " epoch=" + decision.epoch() + " digest=" + decision.digest()
                + " requests=" + decision.batch().requests().size());
        Map<RequestId, Request> byId = new HashMap<>();
        decision.batch().requests().forEach(r -> byId.put(r.id(), r));
        for (Reply reply : executor.execute(decision)) {
            Request request = byId.get(reply.requestId());
            executions.add(new Executed(decision.consensusId(), reply.requestId(), request.operation(), reply.result()));
            outbox.send(SimClient.address(reply.clientId()), replies.shape(reply));
        }
    }

    ReplicaHistory history() {
        return new ReplicaHistory(id, correct, decisions, executions);
    }
}
