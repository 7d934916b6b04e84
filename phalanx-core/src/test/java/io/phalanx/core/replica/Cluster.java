package io.phalanx.core.replica;

import io.phalanx.core.codec.MessageCodec;
import io.phalanx.core.crypto.TestKeys;
import io.phalanx.core.message.Accept;
import io.phalanx.core.message.Write;
import io.phalanx.core.message.Bytes;
import io.phalanx.core.message.Decision;
import io.phalanx.core.message.ReplicaMessage;
import io.phalanx.core.message.Request;
import io.phalanx.core.message.RequestKind;
import io.phalanx.core.service.RequestVerifier;
import io.phalanx.core.storage.MemoryStorage;
import io.phalanx.core.storage.ReplicaStore;
import io.phalanx.core.storage.Storage;
import io.phalanx.core.view.Mode;
import io.phalanx.core.view.View;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.SplittableRandom;

/**
 * A hand-cranked cluster of replica cores for step-level tests: messages sent by a core wait in
 * a FIFO until the test delivers them, so a test can hold some back, drop others, or inject its
 * own, and assert on exactly what each step produced.
 */
final class Cluster {
    record InFlight(int from, int to, ReplicaMessage message) {
    }

    final View view;
    final TestKeys keys;
    final List<ReplicaCore> cores = new ArrayList<>();
    final List<List<Decision>> decisions = new ArrayList<>();
    final List<Output> lastOutputs = new ArrayList<>();
    final ArrayDeque<InFlight> network = new ArrayDeque<>();
    /** Every message any replica sent, in order, for assertions. */
    final List<InFlight> sent = new ArrayList<>();
    final Set<Integer> isolated = new HashSet<>();
    /** Messages the network loses on delivery. */
    java.util.function.Predicate<InFlight> lost = m -> false;
    /** What the network makes of each message it delivers (a Byzantine sender's doing, say). */
    java.util.function.UnaryOperator<ReplicaMessage> tamper = m -> m;
    long nowMs = 1_000;

    /**
     * Small limits for tests that cross checkpoints: a decision log of 8 and a checkpoint every 4
     * decisions, batches (and so state-transfer chunks) of 128 bytes, one instance at a time.
     */
    static ReplicaConfig.Builder smallLogs(ReplicaConfig.Builder d) {
        return d.batchRequestsMax(4)
                .batchBytesMax(128)
                .operationBytesMax(64)
                .decisionLogMax(8)
                .clientSignaturesRequired(false)
                .pipelineMax(1)
                .checkpointPeriod(4);
    }

    Cluster(Mode mode, int n, int f) {
        this(mode, n, f, RequestVerifier.ACCEPT_ALL);
    }

    Cluster(Mode mode, int n, int f, RequestVerifier verifier) {
        this(mode, n, f, verifier, 4); // several instances open, so step-level tests exercise pipelining
    }

    Cluster(Mode mode, int n, int f, RequestVerifier verifier, int pipelineMax) {
        this(mode, n, f, verifier, c -> c.pipelineMax(pipelineMax));
    }

    private final java.util.function.UnaryOperator<ReplicaConfig.Builder> configure;
    private final RequestVerifier verifier;
    /** Per replica, its execution layer over a {@link ServiceExecutorTest.Recorder}, or null when not executing. */
    final List<ServiceExecutor> executors = new ArrayList<>();
    final List<ServiceExecutorTest.Recorder> services = new ArrayList<>();

    /** A cluster whose replicas have the defaults changed by {@code configure}. */
    Cluster(Mode mode, int n, int f, RequestVerifier verifier,
            java.util.function.UnaryOperator<ReplicaConfig.Builder> configure) {
        this.view = View.of(0, n, f, mode);
        this.keys = new TestKeys(n, 4);
        this.configure = configure;
        this.verifier = verifier;
        for (int id = 0; id < n; id++) {
            cores.add(newCore(id, ReplicaCore.Start.NEW_CLUSTER));
            decisions.add(new ArrayList<>());
            lastOutputs.add(null);
            executors.add(null);
            services.add(null);
        }
    }

    private ReplicaCore newCore(int id, ReplicaCore.Start start) {
        return newCore(id, start, Recovered.NOTHING);
    }

    private ReplicaCore newCore(int id, ReplicaCore.Start start, Recovered recovered) {
        ImageStore images = imageStores.getOrDefault(id, new MemoryImageStore());
        io.phalanx.core.crypto.KeyRing ring = keyRings.getOrDefault(id, io.phalanx.core.crypto.KeyRing.of(keys.replica(id)));
        return new ReplicaCore(config(id), view.quorums(), verifier, ring, keys.verifier(),
                new SplittableRandom(id), start, java.util.Set.of(), recovered, images);
    }

    /** Per replica, the signing keys it holds if not just its own (a key rotation). */
    private final java.util.Map<Integer, io.phalanx.core.crypto.KeyRing> keyRings = new java.util.HashMap<>();

    /** Replica {@code id} holds {@code ring}: it starts anew with it, before anything happened. */
    Cluster withKeyRing(int id, io.phalanx.core.crypto.KeyRing ring) {
        keyRings.put(id, ring);
        cores.set(id, newCore(id, ReplicaCore.Start.NEW_CLUSTER));
        return this;
    }

    /** Per replica, where state transfer writes the checkpoints it receives (memory if absent); kept across restarts. */
    final java.util.Map<Integer, ImageStore> imageStores = new java.util.HashMap<>();

    /** Per replica, the state-transfer progress after each of its steps that had a transfer running. */
    final java.util.Map<Integer, List<long[]>> transferProgress = new java.util.HashMap<>();

    /** Per replica and decided consensus id, the persist sequence its replies wait for ({@code Output.repliesAwait}). */
    final java.util.Map<Integer, java.util.Map<Long, Long>> repliesAwait = new java.util.HashMap<>();
    /** Per replica, the highest persist sequence reported durable to its core. */
    final java.util.Map<Integer, Long> durableUpTo = new java.util.HashMap<>();

    /**
     * Replicas whose steps no longer reach their disks: they crash before their next fsync, and
     * {@link #restartFromDisk} shows what they lost. A core holding sends until persisted never
     * hears that these steps are durable.
     */
    final java.util.Set<Integer> unsynced = new java.util.HashSet<>();

    /** Per replica, the store its steps are logged to (synced before their messages leave), or null. */
    final List<ReplicaStore> stores = new ArrayList<>();
    final List<Storage> disks = new ArrayList<>();

    /** Gives every replica a store on a disk of its own, logging as a driver with durability sync does. */
    Cluster durable() throws Exception {
        for (int id = 0; id < cores.size(); id++) {
            disks.add(new MemoryStorage());
            stores.add(openStore(id).store());
        }
        return this;
    }

    private ReplicaStore.Opened openStore(int id) throws Exception {
        return ReplicaStore.open(disks.get(id), 1 << 16, 1 << 24, config(id)::checkpointFollows, 2, config(id).decisionLogMax());
    }

    /**
     * Replica {@code id} crashes and restarts from its disk: a new core resumes from the stored
     * checkpoint, decisions and hard state, and a new executor replays them. Messages to and from
     * it in flight are lost.
     */
    void restartFromDisk(int id) throws Exception {
        network.removeIf(m -> m.to() == id || m.from() == id);
        unsynced.remove(id);
        persisting.removeIf(p -> p[0] == id);
        ReplicaStore.Opened opened = openStore(id);
        stores.set(id, opened.store());
        Recovered recovered = opened.recovered();
        cores.set(id, newCore(id, ReplicaCore.Start.RESTORED, recovered));
        if (executors.get(id) != null) {
            services.set(id, new ServiceExecutorTest.Recorder());
            ServiceExecutor executor = new ServiceExecutor(config(id), services.get(id));
            executor.resume(recovered);
            executors.set(id, executor);
        }
        step(id, new Input.Tick());
    }

    ReplicaConfig config(int id) {
        return configure.apply(ReplicaConfig.builder(id, view)).build();
    }

    /**
     * Gives every replica an execution layer that executes its decisions and takes checkpoints,
     * as the drivers do; call before any request.
     */
    Cluster executing() {
        for (int id = 0; id < cores.size(); id++) {
            services.set(id, new ServiceExecutorTest.Recorder());
            executors.set(id, new ServiceExecutor(config(id), services.get(id)));
        }
        return this;
    }

    /** Replica {@code id} loses its memory and starts again, recovering; messages to it in flight are lost. */
    void restart(int id) {
        restart(id, ReplicaCore.Start.RECOVERING);
    }

    /** Replica {@code id} starts again, as {@code start} says; messages to and from it in flight are lost. */
    void restart(int id, ReplicaCore.Start start) {
        network.removeIf(m -> m.to() == id || m.from() == id);
        cores.set(id, newCore(id, start));
        decisions.get(id).clear();
        if (executors.get(id) != null) {
            services.set(id, new ServiceExecutorTest.Recorder());
            executors.set(id, new ServiceExecutor(config(id), services.get(id)));
        }
        step(id, new Input.Tick());
    }

    /** Lets {@code ms} pass and ticks every replica that is not isolated. */
    void elapse(long ms) {
        nowMs += ms;
        for (int id = 0; id < cores.size(); id++) {
            if (!isolated.contains(id)) {
                step(id, new Input.Tick());
            }
        }
    }

    /** Lets time pass in small steps, delivering messages as it goes, until {@code ms} have elapsed. */
    void runFor(long ms) {
        long end = nowMs + ms;
        while (nowMs < end) {
            elapse(Math.min(50, end - nowMs));
            deliverAll();
        }
    }

    /** {@code accept} signed with its sender's key. */
    Accept signed(Accept accept) {
        return accept.withSignature(keys.replica(accept.sender()).sign(MessageCodec.signedBytes(accept)));
    }

    static Request request(long client, long sequence) {
        return new Request(client, sequence, RequestKind.ORDERED, 0, Bytes.utf8("op-" + client + "-" + sequence));
    }

    /** Gives {@code request} to every replica, as a client does. */
    void clientSends(Request request) {
        for (int id = 0; id < cores.size(); id++) {
            step(id, new Input.RequestReceived(request));
        }
    }

    /**
     * Votes and proposals sent in steps after which their sender was still recovering (a BFT
     * replica that has caught up may send STOPDATA then; see {@code ReplicaState#mayReportVotes}).
     */
    final List<InFlight> sentWhileRecovering = new ArrayList<>();

    Output step(int id, Input input) {
        Output output = cores.get(id).step(nowMs, input);
        cores.get(id).stateTransferProgress().ifPresent(p -> transferProgress.computeIfAbsent(id, r -> new ArrayList<>()).add(p));
        if (!stores.isEmpty() && !unsynced.contains(id)) {
            try {
                stores.get(id).append(output);
                stores.get(id).sync();
            } catch (java.io.IOException e) {
                throw new java.io.UncheckedIOException(e);
            }
        }
        if (cores.get(id).recovering()) {
            for (Send send : output.sends()) {
                if (send.message() instanceof io.phalanx.core.message.ConsensusMessage) {
                    sentWhileRecovering.add(new InFlight(id, send.to(), send.message()));
                }
            }
        }
        lastOutputs.set(id, output);
        decisions.get(id).addAll(output.decisions());
        for (Decision decision : output.decisions()) {
            repliesAwait.computeIfAbsent(id, r -> new java.util.HashMap<>()).put(decision.consensusId(), output.repliesAwait());
        }
        if (input instanceof Input.Persisted p) {
            durableUpTo.merge(id, p.sequence(), Math::max);
        }
        ServiceExecutor executor = executors.get(id);
        if (executor != null) {
            output.restore().ifPresent(r -> executor.restore(r.checkpoint()));
            for (Decision decision : output.decisions()) {
                executor.execute(decision);
                if (config(id).checkpointFollows(decision)) {
                    CheckpointImage image;
                    try {
                        image = executor.checkpoint(new MemoryImageStore(), config(id).stateChunkBytes());
                    } catch (java.io.IOException e) {
                        throw new java.io.UncheckedIOException(e);
                    }
                    cores.get(id).step(nowMs, new Input.CheckpointTaken(image));
                }
            }
        }
        if (config(id).sendsAwaitPersistence() && output.persistSequence() > 0 && !unsynced.contains(id)) {
            persisting.add(new long[] {id, output.persistSequence()});
            if (!(input instanceof Input.Persisted)) {
                unpersistedSteps.add(output);
            }
        }
        for (Send send : output.sends()) {
            network.add(new InFlight(id, send.to(), send.message()));
            sent.add(new InFlight(id, send.to(), send.message()));
        }
        return output;
    }

    /**
     * With {@link ReplicaConfig#sendsAwaitPersistence}: steps whose records are being persisted,
     * as (replica, persist sequence); {@link #deliverAll} reports them durable before the next
     * message is delivered, as an asynchronous log would a little later.
     */
    final java.util.ArrayDeque<long[]> persisting = new java.util.ArrayDeque<>();
    /** With {@link ReplicaConfig#sendsAwaitPersistence}: the outputs of steps that had records to persist when they were taken. */
    final List<Output> unpersistedSteps = new ArrayList<>();

    /** Delivers everything in flight (and what that produces) except to or from isolated replicas. */
    void deliverAll() {
        int budget = 100_000;
        while ((!network.isEmpty() || !persisting.isEmpty()) && budget-- > 0) {
            if (!persisting.isEmpty()) {
                long[] durable = persisting.poll();
                step((int) durable[0], new Input.Persisted(durable[1]));
                continue;
            }
            InFlight m = network.poll();
            if (!isolated.contains(m.from()) && !isolated.contains(m.to()) && !lost.test(m)) {
                step(m.to(), new Input.MessageReceived(m.from(), tamper.apply(m.message())));
            }
        }
    }

    /** The first message of {@code type} any replica sent, or null. */
    <T extends ReplicaMessage> T firstSent(Class<T> type) {
        for (InFlight m : sent) {
            if (type.isInstance(m.message())) {
                return type.cast(m.message());
            }
        }
        return null;
    }

    /** Removes and returns the in-flight messages matching the type. */
    <T extends ReplicaMessage> List<InFlight> take(Class<T> type) {
        List<InFlight> taken = new ArrayList<>();
        network.removeIf(m -> {
            if (type.isInstance(m.message())) {
                taken.add(m);
                return true;
            }
            return false;
        });
        return taken;
    }
}
