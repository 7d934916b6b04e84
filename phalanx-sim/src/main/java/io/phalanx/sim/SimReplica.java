package io.phalanx.sim;

import io.phalanx.core.codec.CodecException;
import io.phalanx.core.codec.MessageCodec;
import io.phalanx.core.message.Message;
import io.phalanx.core.message.ReplicaMessage;
import io.phalanx.core.message.Reply;
import io.phalanx.core.message.Request;
import io.phalanx.core.replica.Decision;
import io.phalanx.core.replica.Input;
import io.phalanx.core.replica.Output;
import io.phalanx.core.replica.ReplicaConfig;
import io.phalanx.core.replica.ReplicaCore;
import io.phalanx.core.replica.Send;
import io.phalanx.core.replica.ServiceExecutor;
import io.phalanx.core.service.RequestVerifier;
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
 * A correct replica in the simulator: the real {@link ReplicaCore} and {@link ServiceExecutor}
 * over a key-value service, driven by simulated deliveries, with everything it decides and
 * executes recorded for the checkers. Its clock is the simulated time plus a fixed skew.
 */
final class SimReplica {
    final int id;
    private final ReplicaCore core;
    private final ServiceExecutor executor;
    private final SimNetwork network;
    private final EventQueue queue;
    private final Trace trace;
    private final MessageCodec codec;
    private final long clockSkewMs;
    private final List<Decided> decisions = new ArrayList<>();
    private final List<Executed> executions = new ArrayList<>();
    private boolean crashed;
    long undecodable;

    SimReplica(int id, SimConfig config, SimNetwork network, EventQueue queue, Trace trace, MessageCodec codec,
               SplittableRandom random) {
        this.id = id;
        ReplicaConfig replicaConfig = ReplicaConfig.defaults(id, config.view());
        this.core = new ReplicaCore(replicaConfig, RequestVerifier.ACCEPT_ALL, random.split());
        this.executor = new ServiceExecutor(id, config.view().id(), new KeyValueService(), replicaConfig.clientWindowMax());
        this.network = network;
        this.queue = queue;
        this.trace = trace;
        this.codec = codec;
        this.clockSkewMs = random.nextInt(101) - 50;
    }

    void crash() {
        crashed = true;
        trace.record(queue.now(), 0xC4A5L * 31 + id, () -> "r" + id + " CRASHES");
    }

    boolean crashed() {
        return crashed;
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
            return;
        }
        long now = queue.now() + clockSkewMs;
        if (message instanceof ReplicaMessage m && from >= 0) {
            apply(core.step(now, new Input.MessageReceived(from, m)));
        } else if (message instanceof Request r && from == SimClient.address(r.clientId())) {
            apply(core.step(now, new Input.RequestReceived(r)));
        } else {
            undecodable++; // a reply sent to a replica, or a request on another client's link
        }
    }

    private void apply(Output output) {
        for (Decision decision : output.decisions()) {
            execute(decision);
        }
        for (Send send : output.sends()) {
            network.send(id, send.to(), send.message());
        }
        for (Request request : output.unordered()) {
            network.send(id, SimClient.address(request.clientId()), executor.query(request));
        }
        output.replyResends().forEach(requestId -> executor.cachedReply(requestId)
                .ifPresent(reply -> network.send(id, SimClient.address(reply.clientId()), reply)));
    }

    private void execute(Decision decision) {
        decisions.add(new Decided(decision.consensusId(), decision.digest(), decision.batch()));
        trace.record(queue.now(), decision.digest().hashCode() * 31L + id, () -> "r" + id + " DECIDES cid="
                + decision.consensusId() + " digest=" + decision.digest() + " requests=" + decision.batch().requests().size());
        Map<io.phalanx.core.message.RequestId, Request> byId = new HashMap<>();
        decision.batch().requests().forEach(r -> byId.put(r.id(), r));
        for (Reply reply : executor.execute(decision)) {
            Request request = byId.get(reply.requestId());
            executions.add(new Executed(decision.consensusId(), reply.requestId(), request.operation(), reply.result()));
            network.send(id, SimClient.address(reply.clientId()), reply);
        }
    }

    ReplicaHistory history() {
        return new ReplicaHistory(id, true, decisions, executions);
    }
}
