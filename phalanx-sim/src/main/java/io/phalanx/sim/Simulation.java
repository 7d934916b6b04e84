package io.phalanx.sim;

import io.phalanx.core.codec.MessageCodec;
import io.phalanx.core.view.View;
import io.phalanx.core.message.Message;
import io.phalanx.core.replica.Counter;
import io.phalanx.sim.check.ChainSegment;
import io.phalanx.sim.check.Checker;
import io.phalanx.sim.check.Checkers;
import io.phalanx.sim.check.ClientOperation;
import io.phalanx.sim.check.History;
import io.phalanx.sim.check.ReplicaHistory;
import io.phalanx.sim.check.ViewCertificationChecker;
import io.phalanx.sim.check.Violation;
import io.phalanx.sim.ordering.OrderingSetup;
import io.phalanx.sim.ordering.OrderingWorkload;
import io.phalanx.sim.ordering.SentEnvelopes;

import java.util.ArrayList;
import java.util.EnumSet;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.SplittableRandom;

/**
 * Runs n replicas and several clients in one thread from one seed: a deterministic event loop
 * over simulated time, network and faults. After the run it checks agreement, total order,
 * exactly-once execution, linearizability and liveness on the recorded history; with the ordering
 * service ({@link SimService#ORDERING}) the chain checkers take linearizability's place.
 *
 * <p>Fault model: messages are delayed (with spikes), reordered and duplicated throughout; before
 * the global stabilization time (GST) they are also lost, and partitions (including a leader cut
 * off from some followers) come and go, all healed at GST. Up to f replicas are faulty: crashed
 * at a random time (the leader included), restarted without their memory ({@link RestartSchedule};
 * counted faulty until they have recovered), or Byzantine with one of the {@link Behaviors}
 * strategies, or twins; checkers constrain only the correct ones, restarted ones included, in
 * every incarnation. A Byzantine client may join.
 * Adversarial schedules ({@link Adversary}) aim targeted loss and cut-offs before GST at one
 * instance across leader changes. Planted bugs ({@link SimConfig#plantedBugs}) go to every
 * replica's core and executor and every client's core.
 * Liveness: every operation of a correct client completes within {@code livenessBoundMs} of
 * its invocation or of GST, whichever is later, and every restarted replica has recovered by the
 * end (the run goes on after the clients are done until it has, within the same bound).
 */
public final class Simulation {
    private static final int TRACE_TAIL_MAX = 400;

    private final SimConfig config;
    private final EventQueue queue = new EventQueue();
    private final Trace trace;
    private final List<SimReplica> replicas = new ArrayList<>();
    /** Where messages addressed to a replica id go: one replica, or a twin chosen by sender. */
    private final Map<Integer, SimReplica[]> replicasById = new HashMap<>();
    /** For twins: which of the two each other node talks to. */
    private final Map<Integer, Integer> twinSideOf = new HashMap<>();
    private final List<SimClient> clients = new ArrayList<>();
    private final SimByzantineClient byzantineClient;
    /** The administrator making view changes ({@link Fault#RECONFIG}), or null. */
    private final SimAdmin admin;
    private final SimNetwork network;
    private final SimCrypto crypto;
    private final SplittableRandom random;
    private final boolean keepFullTrace;
    private final Set<Fault> fired = EnumSet.noneOf(Fault.class);
    private final io.phalanx.core.view.QuorumSystem quorums;

    /**
     * A run of {@code config} within the fault model.
     *
     * @param config        the run's parameters
     * @param keepFullTrace whether to keep every event's text, not only the last ones
     */
    public Simulation(SimConfig config, boolean keepFullTrace) {
        this(config, keepFullTrace, Experiment.NONE);
    }

    /**
     * A run that departs from the model as {@code experiment} says (for checker tests only).
     *
     * @param config        the run's parameters
     * @param keepFullTrace whether to keep every event's text, not only the last ones
     * @param experiment    the departures from the fault model
     */
    public Simulation(SimConfig config, boolean keepFullTrace, Experiment experiment) {
        this.config = config;
        this.quorums = experiment.quorums().apply(config.view());
        this.keepFullTrace = keepFullTrace;
        this.trace = new Trace(keepFullTrace, TRACE_TAIL_MAX);
        this.random = new SplittableRandom(config.seed());
        this.crypto = new SimCrypto(config.seed());
        MessageCodec codec = new MessageCodec(4 << 20);
        Adversary adversary = new Adversary(config, trace, queue, fired, this::lastDecided);
        this.network = new SimNetwork(queue, random.split(), config, trace, codec, this::deliver, fired, adversary);
        for (int id = 0; id < config.replicas(); id++) {
            Fault strategy = experiment.extraByzantine().getOrDefault(id, config.byzantine().get(id));
            if (strategy == Fault.TWINS) {
                SimReplica a = newReplica(id, "r" + id + "a", Behavior.CORRECT, false, 0, codec);
                SimReplica b = newReplica(id, "r" + id + "b", Behavior.CORRECT, false, 1, codec);
                replicasById.put(id, new SimReplica[] {a, b});
            } else {
                Behavior behavior = strategy == null ? Behavior.CORRECT : Behaviors.of(strategy,
                        new Behaviors.Context(id, crypto.replicaSigner(id), random.split(), trace, queue, fired, codec,
                                config.view()));
                replicasById.put(id, new SimReplica[] {newReplica(id, "r" + id, behavior, strategy == null, -1, codec)});
            }
        }
        OrderingSetup ordering = config.service() == SimService.ORDERING ? OrderingSetup.of(config) : null;
        SentEnvelopes sentEnvelopes = new SentEnvelopes();
        for (int i = 0; i < config.clients(); i++) {
            long clientId = i + 1;
            ClientWorkload workload = ordering == null ? new KvClientWorkload(config.readOnlyPercent())
                    : new OrderingWorkload(clientId, ordering, sentEnvelopes, config.readOnlyPercent());
            clients.add(new SimClient(clientId, config, network, queue, trace, codec, random.split(),
                    crypto.clientSigner(clientId), workload));
        }
        long byzantineId = config.clients() + 1L;
        this.byzantineClient = config.byzantineClient() ? new SimByzantineClient(byzantineId, config, network, queue,
                trace, crypto.clientSigner(byzantineId), random.split(), fired,
                ordering == null ? SimByzantineClient.KV_WRITES : SimByzantineClient.ORDERING_WRITES) : null;
        // Split only then, so runs without reconfigurations draw as they always did.
        this.admin = config.reconfigurations() > 0 ? new SimAdmin(config, network, queue, trace, codec, random.split(),
                crypto.clientSigner(SimAdmin.clientId(config)), fired, this::currentLeader, this::onViewInstalled) : null;
        this.newcomerCodec = codec;
    }

    private SimReplica newReplica(int id, String name, Behavior behavior, boolean correct, int twinSide,
                                  MessageCodec codec) {
        return newReplica(id, name, behavior, correct, twinSide, codec, null, 0);
    }

    /** The codec replicas added during the run use. */
    private MessageCodec newcomerCodec;

    /**
     * The administrator's change installed {@code view}, governing from {@code firstConsensusId}:
     * a member the run has no replica for is a new one, started now on an empty disk.
     */
    private void onViewInstalled(View view, long firstConsensusId) {
        for (int id : view.members()) {
            if (!replicasById.containsKey(id)) {
                SimReplica joiner = newReplica(id, "r" + id, Behavior.CORRECT, true, -1, newcomerCodec, view, firstConsensusId);
                replicasById.put(id, new SimReplica[] {joiner});
                joiner.join();
            }
        }
    }

    private SimReplica newReplica(int id, String name, Behavior behavior, boolean correct, int twinSide,
                                  MessageCodec codec, View joinedView, long joinedFrom) {
        Behavior.Outbox outbox = new Behavior.Outbox() {
            @Override
            public void send(int to, Message message) {
                if (reaches(twinSide, to)) {
                    network.send(id, to, message, twinSide);
                }
            }

            @Override
            public void sendRaw(int to, byte[] bytes, String what) {
                if (reaches(twinSide, to)) {
                    network.sendRaw(id, to, bytes, what, twinSide);
                }
            }
        };
        SimReplica replica = new SimReplica(id, name, config, quorums, outbox, behavior, correct, queue, trace, codec,
                crypto, random.split(), joinedView, joinedFrom);
        replicas.add(replica);
        return replica;
    }

    /**
     * Twins split the world in two: each other node is on one side and talks only to the twins
     * of its side (of every twinned identity); twins talk to the twins of their own side.
     */
    private boolean reaches(int twinSide, int to) {
        if (twinSide < 0) {
            return true;
        }
        boolean heard = isTwin(to) || sideOf(to) == twinSide;
        if (heard) {
            fired.add(Fault.TWINS);
        }
        return heard;
    }

    private boolean isTwin(int node) {
        // An id with no replica (one a view change names before it joins) is nobody's twin.
        var replicas = node >= 0 ? replicasById.get(node) : null;
        return replicas != null && replicas.length == 2;
    }

    private int sideOf(int node) {
        return twinSideOf.computeIfAbsent(node, n -> random.nextInt(2));
    }

    /**
     * Runs one seed to completion and checks it.
     *
     * @param config the run's parameters
     * @return the outcome, with the trace's tail
     */
    public static SimResult run(SimConfig config) {
        return new Simulation(config, false).run();
    }

    /**
     * Runs this simulation to completion and checks it: the standard safety checkers and liveness
     * after GST.
     *
     * @return the outcome
     */
    public SimResult run() {
        FaultSchedule faults = new FaultSchedule(config, queue, trace, network, random.split(), fired);
        faults.schedule(crashable(), this::currentLeader);
        if (config.restarts().any()) { // split only then, so runs without restarts draw as they always did
            List<SimReplica> restartable = new ArrayList<>(crashable());
            restartable.removeAll(faults.crashVictims());
            new RestartSchedule(config, queue, random.split(), fired, restartable, this::currentLeader,
                    this::allClientsDone).schedule();
        }
        clients.forEach(SimClient::start);
        if (byzantineClient != null) {
            byzantineClient.start();
        }
        if (admin != null) {
            admin.start();
        }
        Violation threw = null;
        try {
            while ((!allClientsDone() || recoveryPending()) && queue.runNext(config.timeLimitMs())) {
                // each event runs inside runNext
            }
        } catch (RuntimeException e) {
            // A replica stopped on an exception: a bug. The run ends here, and its trace shows what led to it.
            threw = new Violation("no-exception", "the run stopped at " + queue.now() + " ms: " + e);
            trace.record(queue.now(), e.toString().hashCode(), () -> "EXCEPTION " + e + " at "
                    + java.util.Arrays.stream(e.getStackTrace()).limit(12).map(StackTraceElement::toString)
                            .collect(java.util.stream.Collectors.joining(" <- ")));
        }
        History history = history();
        List<Violation> violations = new ArrayList<>();
        if (threw != null) {
            violations.add(threw);
        }
        // The ordering service has no linearizability checker (it reads key-value operations);
        // the chain checkers judge its blocks instead.
        for (Checker checker : config.service() == SimService.ORDERING ? Checkers.ordering() : Checkers.standard()) {
            violations.addAll(checker.check(history));
        }
        violations.addAll(new ViewCertificationChecker(config.view(), SimAdmin.clientId(config),
                replicas.get(0).instanceWindowMax(), crypto).check(history));
        violations.addAll(checkLiveness());
        violations.addAll(checkRecovered());
        long completed = history.operations().stream().filter(ClientOperation::completed).count();
        long decided = 0;
        int regency = 0;
        long undecodable = 0;
        Map<Counter, Long> counters = new java.util.EnumMap<>(Counter.class);
        for (SimReplica r : replicas) {
            if (r.correct()) {
                decided = Math.max(decided, r.core().lastDecided() + 1);
                regency = Math.max(regency, r.core().regency());
                undecodable += r.undecodable;
                r.counters().forEach((counter, value) -> counters.merge(counter, value, Long::sum));
            }
        }
        return new SimResult(config, violations, completed, history.operations().size(), queue.now(), decided,
                network.messagesSent, trace.hash(), traceFor(violations), history, fired, regency, counters, undecodable);
    }

    /** The highest consensus id a replica of identity {@code id} decided (either twin's). */
    private long lastDecided(int id) {
        long decided = -1;
        for (SimReplica r : replicasById.get(id)) {
            decided = Math.max(decided, r.core().lastDecided());
        }
        return decided;
    }

    /** The leader most running correct replicas follow (replica 0's view if none runs). */
    private int currentLeader() {
        Map<Integer, Integer> votes = new HashMap<>();
        for (SimReplica r : replicas) {
            if (r.correct() && r.running() && !r.recovering()) {
                votes.merge(r.core().leader(), 1, Integer::sum);
            }
        }
        return votes.entrySet().stream().max(Map.Entry.<Integer, Integer>comparingByValue()
                .thenComparing(Map.Entry.comparingByKey())).map(Map.Entry::getKey).orElse(0);
    }

    /**
     * A restarted replica that is down, or recovering for less than the liveness bound after it
     * came back (or after GST): the run goes on, after the clients are done, until it recovers.
     */
    private boolean recoveryPending() {
        for (SimReplica r : replicas) {
            if (r.correct() && !r.crashed() && member(r) && (r.down() || (r.recovering()
                    && queue.now() <= Math.max(config.gstMs(), r.cameBackAtMs()) + config.livenessBoundMs()))) {
                return true;
            }
        }
        return false;
    }

    /** Liveness of recovery: by the end every correct replica that runs has recovered and votes. */
    private List<Violation> checkRecovered() {
        List<Violation> violations = new ArrayList<>();
        for (SimReplica r : replicas) {
            if (!member(r)) {
                continue; // removed by the administrator: nothing is owed to a cluster it left
            }
            if (r.correct() && r.down()) {
                violations.add(new Violation("liveness", r.name + " restarted and never came back by "
                        + queue.now() + " ms"));
            } else if (r.correct() && r.recovering() && !r.core().awaitsLostVotes()) {
                // (One that caught up and only waits for the instances its lost votes may lie in
                // to be decided is fine in a cluster with nothing left to order.)
                violations.add(new Violation("liveness", r.name + " came back at " + r.cameBackAtMs()
                        + " ms and was still recovering at " + queue.now() + " ms (decided up to cid="
                        + r.core().lastDecided() + ", recovery target cid=" + r.core().recoveryTarget() + ", regency "
                        + r.core().regency() + ")"));
            }
        }
        return violations;
    }

    /** Whether {@code r} is a member of the newest view (every replica is, without an administrator). */
    private boolean member(SimReplica r) {
        return admin == null || admin.current().contains(r.id);
    }

    /** Replicas that may crash: correct ones (a Byzantine one already uses the fault budget). */
    private List<SimReplica> crashable() {
        return replicas.stream().filter(SimReplica::correct).toList();
    }

    /** The whole trace if it was kept, else the tail when there is something to explain. */
    private List<String> traceFor(List<Violation> violations) {
        if (keepFullTrace) {
            return trace.all();
        }
        return violations.isEmpty() ? List.of() : trace.tail();
    }

    private void deliver(int from, int to, byte[] bytes, int side) {
        if (to >= 0) {
            SimReplica[] targets = replicasById.get(to);
            if (targets == null) {
                return; // a replica the administrator added, not started yet: as if it were down
            }
            SimReplica target = targets.length == 1 ? targets[0] : targets[side >= 0 ? side : sideOf(from)];
            target.deliver(from, bytes);
        } else {
            int index = -to - 1;
            if (index < clients.size()) {
                clients.get(index).deliver(from, bytes);
            } else if (admin != null && -to == SimAdmin.clientId(config)) {
                admin.deliver(from, bytes);
            } // else: a reply to the Byzantine client, which ignores answers
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
                violations.add(new Violation("liveness", line + " never completed by " + queue.now() + " ms"));
            }
            for (String line : client.late(config.gstMs(), config.livenessBoundMs())) {
                violations.add(new Violation("liveness", line));
            }
        }
        return violations;
    }

    private History history() {
        List<ReplicaHistory> replicaHistories = new ArrayList<>();
        replicas.forEach(r -> replicaHistories.addAll(r.histories()));
        List<ClientOperation> operations = new ArrayList<>();
        clients.forEach(c -> operations.addAll(c.operations()));
        Set<Long> byzantineClients = byzantineClient == null ? Set.of() : Set.of(byzantineClient.clientId());
        List<ChainSegment> chains = new ArrayList<>();
        replicas.forEach(r -> chains.addAll(r.chainSegments()));
        return new History(replicaHistories, operations, byzantineClients, chains);
    }
}
