package io.phalanx.sim;

import io.phalanx.core.codec.MessageCodec;
import io.phalanx.sim.check.Checker;
import io.phalanx.sim.check.Checkers;
import io.phalanx.sim.check.ClientOperation;
import io.phalanx.sim.check.History;
import io.phalanx.sim.check.ReplicaHistory;
import io.phalanx.sim.check.Violation;

import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;

/**
 * Runs n replicas and several clients in one thread from one seed: a deterministic event loop
 * over simulated time, network and crashes. After the run it checks agreement, total order,
 * exactly-once execution, linearizability and liveness on the recorded history.
 *
 * <p>Fault model of this version: messages are delayed (with spikes), reordered and duplicated
 * but never lost; up to {@code crashes <= f} replicas other than the leader crash for good at
 * random times. Within that model every operation must complete.
 */
public final class Simulation {
    private static final int TRACE_TAIL_MAX = 400;

    private final SimConfig config;
    private final EventQueue queue = new EventQueue();
    private final Trace trace;
    private final List<SimReplica> replicas = new ArrayList<>();
    private final List<SimClient> clients = new ArrayList<>();
    private final SimNetwork network;
    private final SplittableRandom random;
    private final boolean keepFullTrace;

    public Simulation(SimConfig config, boolean keepFullTrace) {
        this.config = config;
        this.keepFullTrace = keepFullTrace;
        this.trace = new Trace(keepFullTrace, TRACE_TAIL_MAX);
        this.random = new SplittableRandom(config.seed());
        MessageCodec codec = new MessageCodec(4 << 20);
        this.network = new SimNetwork(queue, random.split(), config, trace, codec, this::deliver);
        for (int id = 0; id < config.replicas(); id++) {
            replicas.add(new SimReplica(id, config, network, queue, trace, codec, random.split()));
        }
        for (int i = 0; i < config.clients(); i++) {
            clients.add(new SimClient(i + 1, config, network, queue, trace, codec, random.split()));
        }
    }

    /** Runs one seed to completion and checks it. */
    public static SimResult run(SimConfig config) {
        return new Simulation(config, false).run();
    }

    public SimResult run() {
        scheduleCrashes();
        clients.forEach(SimClient::start);
        while (!allClientsDone() && queue.runNext(config.timeLimitMs())) {
            // each event runs inside runNext
        }
        History history = history();
        List<Violation> violations = new ArrayList<>();
        for (Checker checker : Checkers.standard()) {
            violations.addAll(checker.check(history));
        }
        violations.addAll(checkLiveness());
        long completed = history.operations().stream().filter(ClientOperation::completed).count();
        long decided = replicas.stream().mapToLong(r -> r.core().lastDecided() + 1).max().orElse(0);
        return new SimResult(config, violations, completed, history.operations().size(), queue.now(), decided,
                network.messagesSent, trace.hash(), traceFor(violations), history);
    }

    /** The whole trace if it was kept, else the tail when there is something to explain. */
    private List<String> traceFor(List<Violation> violations) {
        if (keepFullTrace) {
            return trace.all();
        }
        return violations.isEmpty() ? List.of() : trace.tail();
    }

    /** Crashes up to {@code crashes} replicas other than the initial leader, at random times. */
    private void scheduleCrashes() {
        int leader = config.view().leaderOf(0);
        List<Integer> candidates = new ArrayList<>();
        for (int id = 0; id < config.replicas(); id++) {
            if (id != leader) {
                candidates.add(id);
            }
        }
        for (int i = 0; i < config.crashes(); i++) {
            int victim = candidates.remove(random.nextInt(candidates.size()));
            long at = random.nextInt(1_000);
            queue.at(at, () -> replicas.get(victim).crash());
        }
    }

    private void deliver(int from, int to, byte[] bytes) {
        if (to >= 0) {
            replicas.get(to).deliver(from, bytes);
        } else {
            clients.get(-to - 1).deliver(from, bytes);
        }
    }

    private boolean allClientsDone() {
        for (SimClient client : clients) {
            if (!client.done()) {
                return false;
            }
        }
        return true;
    }

    private List<Violation> checkLiveness() {
        List<Violation> violations = new ArrayList<>();
        for (SimClient client : clients) {
            for (String line : client.unfinished()) {
                violations.add(new Violation("liveness", line + " never completed by " + config.timeLimitMs() + " ms"));
            }
        }
        return violations;
    }

    private History history() {
        List<ReplicaHistory> replicaHistories = new ArrayList<>();
        replicas.forEach(r -> replicaHistories.add(r.history()));
        List<ClientOperation> operations = new ArrayList<>();
        clients.forEach(c -> operations.addAll(c.operations()));
        return new History(replicaHistories, operations);
    }
}
