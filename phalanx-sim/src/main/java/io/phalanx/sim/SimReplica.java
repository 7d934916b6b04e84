package io.phalanx.sim;

import io.phalanx.core.codec.CodecException;
import io.phalanx.core.codec.MessageCodec;
import io.phalanx.core.crypto.Digests;
import io.phalanx.core.message.Accept;
import io.phalanx.core.message.Decision;
import io.phalanx.core.message.Message;
import io.phalanx.core.message.Propose;
import io.phalanx.core.message.ReplicaMessage;
import io.phalanx.core.message.Reply;
import io.phalanx.core.message.Request;
import io.phalanx.core.message.RequestId;
import io.phalanx.core.message.Write;
import io.phalanx.core.replica.CheckpointImage;
import io.phalanx.core.replica.ImageStore;
import io.phalanx.core.replica.MemoryImageStore;
import io.phalanx.core.replica.Counter;
import io.phalanx.core.replica.Input;
import io.phalanx.core.replica.Output;
import io.phalanx.core.replica.Recovered;
import io.phalanx.core.replica.ReplicaConfig;
import io.phalanx.core.replica.ReplicaCore;
import io.phalanx.core.replica.ReplyPolicy;
import io.phalanx.core.replica.Send;
import io.phalanx.core.replica.ServiceExecutor;
import io.phalanx.core.service.RequestVerifier;
import io.phalanx.core.service.Service;
import io.phalanx.core.storage.CorruptLogException;
import io.phalanx.core.storage.ReplicaStore;
import io.phalanx.core.storage.StoredImages;
import io.phalanx.core.storage.SegmentedLog;
import io.phalanx.core.view.QuorumSystem;
import io.phalanx.core.view.View;
import io.phalanx.kv.KeyValueService;
import io.phalanx.sim.check.ChainSegment;
import io.phalanx.sim.check.Checkpointed;
import io.phalanx.sim.check.Decided;
import io.phalanx.sim.check.Executed;
import io.phalanx.sim.check.ReplicaHistory;
import io.phalanx.sim.check.Restored;
import io.phalanx.sim.check.Vote;
import io.phalanx.sim.disk.SimulatedDisk;
import io.phalanx.sim.ordering.ChainRecorder;
import io.phalanx.sim.ordering.OrderingSetup;

import java.io.IOException;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.LinkedHashSet;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;

/**
 * A replica in the simulator: the real {@link ReplicaCore} and {@link ServiceExecutor} over the
 * run's service ({@link SimService}: the key-value service, or the ordering service with its
 * proposal check and a {@link ChainRecorder} of the blocks each incarnation cuts), driven by
 * simulated deliveries and ticks, with everything it decides and executes recorded for the
 * checkers. Replies are hashed (one full reply per request, digests
 * from the others; retransmissions are answered in full). Its clock is the simulated time plus a fixed skew. A
 * {@link Behavior} other than the correct one makes it Byzantine (and unchecked).
 *
 * <p>Checkpoints and restores as the runtime's execution and protocol loops do them: after every
 * {@link ReplicaConfig#checkpointAfter} decision the executor's checkpoint is wrapped in a
 * {@link CheckpointImage} and handed to the core in a later event (the runtime's thread hop);
 * a checkpoint that state transfer installed ({@link Output#restore()}) replaces the executor's
 * state before the step's decisions execute.
 *
 * <p>A crash stops it for good. A restart ({@link #goDown()}, then {@link #comeBack}) loses
 * everything in memory: the next incarnation is a new core with a new executor and service, and
 * a new history under the same id. What it starts from is what its simulated disk kept, as the
 * runtime's log thread keeps it ({@link ReplicaStore}): with {@link RestartPlan.Disk#SYNC} every
 * step's records are synced before its messages leave, and the new incarnation starts
 * {@link ReplicaCore.Start#RESTORED}; with {@link RestartPlan.Disk#ASYNC} the log is synced every
 * {@link #ASYNC_SYNC_INTERVAL_MS} and the new incarnation recovers from the decisions it kept;
 * with {@link RestartPlan.Disk#NONE} it keeps nothing. A corrupted log is cut at the damage and the
 * replica recovers the rest; a wiped disk makes it start as new ({@link ReplicaCore.Start#FIRST_START}).
 * Messages sent to it while it is down are lost; those it sent before going down still arrive.
 */
final class SimReplica {
    /** Request timeout of simulated replicas: a few network round trips plus a spike. */
    static final long REQUEST_TIMEOUT_MS = 400;
    /** {@code instanceWindowMax} in runs with reconfigurations: a change governs 9 instances after its own. */
    static final int RECONFIG_WINDOW = 8;
    /** How often a replica with {@link RestartPlan.Disk#ASYNC} syncs its log (when it steps). */
    static final long ASYNC_SYNC_INTERVAL_MS = 50;
    /**
     * With a sync disk: how long after a step its sync completes. Steps taken meanwhile join it
     * (group commit); their messages and replies wait for it.
     */
    static final long SYNC_LATENCY_MS = 1;
    private static final long SEGMENT_BYTES_MAX = 256 * 1024;
    private static final int RECORD_BYTES_MAX = 64 << 20;

    /** What a crash cost a replica's disk. */
    record DiskLoss(long writesLost, int tornWrites, int misdirectedWrites) {
        static final DiskLoss NONE = new DiskLoss(0, 0, 0);
    }

    final int id;
    final String name;
    private final SimConfig config;
    private final QuorumSystem quorums;
    private final ReplicaConfig replicaConfig;
    private final SimCrypto crypto;
    /** Where each incarnation's core draws its nonces from. */
    private final SplittableRandom incarnations;
    /** Which replica sends each reply in full: chosen in the newest view the executor applied, as clients choose it. */
    private ReplyPolicy replies;
    private final Behavior.Outbox outbox;
    private final Behavior behavior;
    private final boolean correct;
    /** The ordering service's channels, or null when the replica runs the key-value service. */
    private final OrderingSetup ordering;
    /** What the core lets into proposals: the ordering service's admission check, or everything. */
    private final RequestVerifier verifier;
    /** With the ordering service: each incarnation's record of its blocks, the current one last. */
    private final List<ChainRecorder> chainRecorders = new ArrayList<>();
    private ChainRecorder chains;
    private final EventQueue queue;
    private final Trace trace;
    private final MessageCodec codec;
    private final long clockSkewMs;
    private final List<ReplicaHistory> retired = new ArrayList<>();
    private final Map<Counter, Long> retiredCounters = new EnumMap<>(Counter.class);
    private ReplicaCore core;
    private ServiceExecutor executor;
    /** The replica's disk, kept across incarnations; null if it keeps none. */
    private final SimulatedDisk disk;
    private final RestartPlan.Disk durability;
    private ReplicaStore store;
    private long lastSyncMs;
    /** With a sync disk: the persist sequence of the latest step appended, and of the latest synced (this incarnation). */
    private long appendedSequence;
    private long persistedSequence;
    private boolean syncScheduled;
    /** With a sync disk: messages to clients that wait for the sync of the records before them. */
    private final java.util.ArrayDeque<HeldReply> heldReplies = new java.util.ArrayDeque<>();
    /** Run right after this replica next sends a reply (a restart-all waiting for one), or null. */
    private Runnable afterNextReply;
    /** Whether the step under way sent a client a reply. */
    private boolean repliedInStep;

    private record HeldReply(long sequence, int address, Message message) {
    }
    /** Whether the latest {@link #openStore} had to cut a damaged log. */
    private boolean repaired;
    /** The disk's fault counts at the last crash, to tell what the next one cost. */
    private SimulatedDisk.FaultCounts faultsSeen = new SimulatedDisk.FaultCounts(0, 0, 0, 0, 0, 0, 0);
    /** Where disk faults fall; null without a disk. */
    private final SplittableRandom diskFaults;
    private int incarnation;
    private List<Decided> decisions = new ArrayList<>();
    private List<Executed> executions = new ArrayList<>();
    private List<Restored> restores = new ArrayList<>();
    private List<Checkpointed> checkpoints = new ArrayList<>();
    private LinkedHashSet<Vote> votes = new LinkedHashSet<>();
    private long tickAtMs = Output.NEVER;
    private int reportedRegency;
    private boolean crashed;
    private boolean down;
    /** When the current incarnation came back from a restart; -1 for the first one. */
    private long cameBackAtMs = -1;
    /** Runs once when a recovering incarnation has recovered. */
    private Runnable onRecovered;
    /** Runs (once) right after the next step that sends a PROPOSE, WRITE or ACCEPT. */
    private Runnable afterNextVote;
    long undecodable;

    SimReplica(int id, String name, SimConfig config, QuorumSystem quorums, Behavior.Outbox outbox, Behavior behavior,
               boolean correct, EventQueue queue, Trace trace, MessageCodec codec, SimCrypto crypto,
               SplittableRandom random) {
        this(id, name, config, quorums, outbox, behavior, correct, queue, trace, codec, crypto, random, null, 0);
    }

    /**
     * A replica of the run; with {@code joinedView}, one the administrator added during the run,
     * which starts on an empty disk in the view that added it, governing from {@code joinedFrom}
     * (call {@link #join} to start it).
     */
    SimReplica(int id, String name, SimConfig config, QuorumSystem quorums, Behavior.Outbox outbox, Behavior behavior,
               boolean correct, EventQueue queue, Trace trace, MessageCodec codec, SimCrypto crypto,
               SplittableRandom random, View joinedView, long joinedFrom) {
        this.id = id;
        this.name = name;
        this.config = config;
        this.correct = correct;
        this.ordering = config.service() == SimService.ORDERING ? OrderingSetup.of(config) : null;
        this.verifier = ordering == null ? RequestVerifier.ACCEPT_ALL : ordering.verifier();
        this.quorums = joinedView == null ? quorums : joinedView.quorums();
        this.crypto = crypto;
        this.replicaConfig = ReplicaConfig.builder(id, joinedView == null ? config.view() : joinedView)
                .viewGovernsFrom(joinedFrom)
                .requestTimeoutMs(REQUEST_TIMEOUT_MS)
                .clientSignaturesRequired(true)
                .pipelineMax(config.pipelineMax())
                .decisionLogMax(config.decisionLogMax())
                .checkpointPeriod(config.checkpointPeriod())
                .clientsMax(config.clientsMax())
                // A sync disk persists asynchronously, as the runtime's log thread does: the core
                // holds a step's sends until the sync that covers it reports back.
                .sendsAwaitPersistence(config.restarts().disk() == RestartPlan.Disk.SYNC)
                .adminClientId(SimAdmin.clientId(config))
                // With reconfigurations, a small window lets a change govern soon after it is decided.
                .instanceWindowMax(config.reconfigurations() > 0 ? RECONFIG_WINDOW : ReplicaConfig.INSTANCE_WINDOW_DEFAULT)
                .build();
        this.core = newCore(random.split(), joinedView == null ? ReplicaCore.Start.NEW_CLUSTER : ReplicaCore.Start.FIRST_START);
        this.executor = newExecutor();
        this.replies = ReplyPolicy.hashedReplies(replicaConfig.view(), id);
        this.outbox = outbox;
        this.behavior = behavior;
        this.queue = queue;
        this.trace = trace;
        this.codec = codec;
        this.clockSkewMs = random.nextInt(101) - 50;
        this.incarnations = random;
        this.durability = config.restarts().disk();
        // Split only with a disk, so runs without one draw as they always did.
        this.disk = durability == RestartPlan.Disk.NONE ? null
                : new SimulatedDisk(random.split(), SimulatedDisk.Faults.DEFAULT);
        this.diskFaults = disk == null ? null : random.split();
        if (disk != null) {
            this.store = openStore(null).store();
        }
    }

    private ReplicaCore newCore(SplittableRandom random, ReplicaCore.Start start) {
        return newCore(random, start, Recovered.NOTHING);
    }

    private ReplicaCore newCore(SplittableRandom random, ReplicaCore.Start start, Recovered recovered) {
        return new ReplicaCore(replicaConfig, quorums, verifier, crypto.replicaKeys(id), crypto,
                random, start, config.plantedBugs(), recovered, images());
    }

    /** Where checkpoint images go: files on its disk, as the runtime keeps them, or memory without one. */
    private ImageStore images() {
        return disk == null ? new MemoryImageStore() : new StoredImages(disk);
    }

    /**
     * Opens the store on the disk after {@code fault}; a corrupt log is cut at the damage (as
     * {@code --repair-from-peers} does), which {@link #repaired} then says.
     */
    private ReplicaStore.Opened openStore(Fault fault) {
        repaired = false;
        try {
            for (int attempt = 0; ; attempt++) {
                try {
                    return ReplicaStore.open(disk, SEGMENT_BYTES_MAX, RECORD_BYTES_MAX, replicaConfig::checkpointFollows, 2,
                            replicaConfig.decisionLogMax());
                } catch (CorruptLogException e) {
                    if (attempt >= 3 || e.position().isEmpty()) {
                        throw new IllegalStateException(name + " cannot repair its simulated disk: " + e.getMessage(), e);
                    }
                    trace.record(queue.now(), 0xD15CL * 31 + id + attempt, () -> name + " finds its log damaged ("
                            + fault + "): " + e.getMessage() + "; cuts it there and recovers the rest from its peers");
                    SegmentedLog.deleteFrom(disk, e.position().get());
                    repaired = true;
                }
            }
        } catch (IOException | CorruptLogException e) {
            throw new IllegalStateException(name + " cannot open its simulated disk: " + e.getMessage(), e);
        }
    }

    private ServiceExecutor newExecutor() {
        return new ServiceExecutor(replicaConfig, newService(), config.plantedBugs());
    }

    /** The current incarnation's service, from an empty state; an ordering service's blocks are recorded. */
    private Service newService() {
        if (ordering == null) {
            return new KeyValueService();
        }
        chains = new ChainRecorder(ordering, id, incarnation, correct, this::traceBlock);
        chainRecorders.add(chains);
        return chains.service();
    }

    private void traceBlock(io.phalanx.ordering.OrderingService.CutBlock cut) {
        var header = cut.block().getHeader();
        trace.record(queue.now(), (header.getNumber() * 31 + cut.channelId().hashCode()) * 31 + id, () -> name
                + " CUTS " + cut.channelId() + " block " + header.getNumber() + " (" + cut.block().getData().getDataCount()
                + " envelopes, data hash " + java.util.HexFormat.of().formatHex(header.getDataHash().toByteArray(), 0, 8)
                + ")");
    }

    void crash() {
        crashed = true;
        trace.record(queue.now(), 0xC4A5L * 31 + id, () -> name + " CRASHES");
    }

    /** The next write to its disk lands in the wrong place (a fault the restart schedule injects). */
    void misdirectNextWrite() {
        if (disk != null) {
            disk.misdirectNextWrite();
        }
    }

    /**
     * Loses everything it holds in memory, and its disk what was not synced; it receives nothing
     * until {@link #comeBack}. Returns what its disk lost.
     */
    DiskLoss goDown() {
        down = true;
        DiskLoss loss = DiskLoss.NONE;
        if (disk != null) {
            disk.crash();
            store = null;
            SimulatedDisk.FaultCounts after = disk.faults();
            loss = new DiskLoss(after.unsyncedWritesLost() - faultsSeen.unsyncedWritesLost(),
                    after.tornWrites() - faultsSeen.tornWrites(), after.misdirectedWrites() - faultsSeen.misdirectedWrites());
            faultsSeen = after;
        }
        tickAtMs = Output.NEVER;
        afterNextVote = null;
        appendedSequence = 0;
        persistedSequence = 0;
        syncScheduled = false;
        heldReplies.clear();
        retired.add(history());
        core.counters().snapshot().forEach((counter, value) -> retiredCounters.merge(counter, value, Long::sum));
        long decided = core.lastDecided();
        DiskLoss lost = loss;
        trace.record(queue.now(), 0x2E57L * 31 + id, () -> name + " RESTARTS: loses its memory (had decided up to cid="
                + decided + ")" + (lost.equals(DiskLoss.NONE) ? "" : ", its disk " + lost));
        return loss;
    }

    /**
     * Starts the next incarnation: a new core that recovers from its peers, a new executor and
     * service; {@code recovered} runs once it has recovered.
     */
    void comeBack(Fault fault, Runnable recovered) {
        incarnation++;
        executor = newExecutor();
        decisions = new ArrayList<>();
        executions = new ArrayList<>();
        restores = new ArrayList<>();
        checkpoints = new ArrayList<>();
        votes = new LinkedHashSet<>();
        reportedRegency = 0;
        down = false;
        cameBackAtMs = queue.now();
        onRecovered = recovered;
        ReplicaCore.Start start = ReplicaCore.Start.RECOVERING;
        Recovered stored = Recovered.NOTHING;
        if (disk != null) {
            boolean damaged = damage(fault) || fault == Fault.MISDIRECTED_WRITE;
            ReplicaStore.Opened opened = openStore(fault);
            store = opened.store();
            stored = opened.recovered();
            // A torn tail cut under sync held only records that were never synced, so no message
            // that showed them left: the replica still has every vote anyone saw. A misdirected
            // write (above) may have hit a synced record instead, and a repair drops synced ones.
            damaged |= repaired;
            start = fault == Fault.WIPED_DISK ? ReplicaCore.Start.FIRST_START
                    : durability == RestartPlan.Disk.SYNC && !damaged ? ReplicaCore.Start.RESTORED
                    : ReplicaCore.Start.RECOVERING;
        }
        core = newCore(incarnations.split(), start, stored);
        replay(stored);
        int number = incarnation;
        ReplicaCore.Start how = start;
        long from = stored.lastDecided();
        trace.record(queue.now(), 0xBAC4L * 31 + id, () -> name + " COMES BACK (incarnation " + number + ") "
                + how + " from its disk at cid=" + from);
        step(new Input.Tick()); // as the runtime's first step: a recovering replica asks its peers at once
        if (!core.recovering() && onRecovered != null) {
            recovered(); // it kept everything: back at once
        }
    }

    /** Applies {@code fault} to the disk; true if the log may have lost what it held. */
    private boolean damage(Fault fault) {
        if (fault == Fault.WIPED_DISK) {
            disk.wipe();
            trace.record(queue.now(), 0x819EL * 31 + id, () -> name + "'s disk is WIPED");
            return true;
        }
        if (fault == Fault.CORRUPT_RECORD) {
            try {
                List<String> files = disk.list();
                if (files.isEmpty()) {
                    return false;
                }
                String hit = files.get(diskFaults.nextInt(files.size()));
                int length = disk.read(hit).length;
                if (length == 0) {
                    return false;
                }
                long offset = diskFaults.nextInt(length);
                disk.corrupt(hit, offset);
                trace.record(queue.now(), 0xC0EEL * 31 + id, () -> name + "'s disk: the byte at " + offset + " of " + hit
                        + " flips");
                return true;
            } catch (IOException e) {
                throw new IllegalStateException(name + " cannot damage its simulated disk: " + e.getMessage(), e);
            }
        }
        return false;
    }

    /** Brings the new executor to what the disk kept, recording it as the runtime's start would do it. */
    private void replay(Recovered stored) {
        if (stored.checkpoint() != null) {
            restore(stored.checkpoint());
        }
        stored.decisions().forEach(this::executeRecorded); // their replies went out (or were lost) before the restart
    }

    /** Takes it down right after its next step that sends a PROPOSE, WRITE or ACCEPT. */
    void afterNextVote(Runnable then) {
        afterNextVote = then;
    }

    /** Runs {@code then} (null: nothing) right after this replica next sends a client a reply. */
    void afterNextReply(Runnable then) {
        afterNextReply = then;
    }

    boolean crashed() {
        return crashed;
    }

    boolean down() {
        return down;
    }

    /** Neither crashed nor down. */
    boolean running() {
        return !crashed && !down;
    }

    /** Running and recovering from a restart (not voting yet). */
    boolean recovering() {
        return running() && core.recovering();
    }

    long cameBackAtMs() {
        return cameBackAtMs;
    }

    boolean correct() {
        return correct;
    }

    int instanceWindowMax() {
        return replicaConfig.instanceWindowMax();
    }

    ReplicaCore core() {
        return core;
    }

    /** This replica's counters, summed over its incarnations. */
    Map<Counter, Long> counters() {
        Map<Counter, Long> all = new EnumMap<>(Counter.class);
        all.putAll(retiredCounters);
        core.counters().snapshot().forEach((counter, value) -> all.merge(counter, value, Long::sum));
        return all;
    }

    void deliver(int from, byte[] bytes) {
        if (!running()) {
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

    /** Starts a replica the administrator added: it asks the view's members how far they got. */
    void join() {
        cameBackAtMs = queue.now();
        trace.record(queue.now(), 0x701AL * 31 + id, () -> name + " JOINS view " + replicaConfig.view().id()
                + " " + replicaConfig.view().members() + " from cid=" + replicaConfig.viewGovernsFrom());
        step(new Input.Tick());
    }

    private void tick() {
        tickAtMs = Output.NEVER;
        if (running()) {
            step(new Input.Tick());
        }
    }

    private void step(Input input) {
        Input given = behavior.onInput(input);
        if (given == null) {
            return;
        }
        long localNow = queue.now() + clockSkewMs;
        boolean wasRecovering = core.recovering();
        Output output = core.step(localNow, given);
        persist(output);
        apply(output);
        reportRegency();
        if (wasRecovering && !core.recovering()) {
            recovered();
        }
        if (afterNextVote != null && sendsVote(output)) {
            Runnable then = afterNextVote;
            afterNextVote = null;
            then.run();
        }
        if (afterNextReply != null && repliedInStep) {
            Runnable then = afterNextReply;
            afterNextReply = null;
            then.run();
        }
        repliedInStep = false;
        if (down) {
            return;
        }
        long wakeAt = output.wakeAtMs() == Output.NEVER ? Output.NEVER : output.wakeAtMs() - clockSkewMs;
        if (wakeAt < tickAtMs) {
            tickAtMs = Math.max(wakeAt, queue.now() + 1);
            long at = tickAtMs;
            int current = incarnation;
            queue.at(at, () -> {
                if (tickAtMs == at && incarnation == current) {
                    tick();
                }
            });
        }
    }

    /**
     * Logs the step's records, and syncs them {@link #SYNC_LATENCY_MS} later together with those
     * of the steps taken meanwhile (sync), or every {@link #ASYNC_SYNC_INTERVAL_MS} (async), as the
     * runtime's log thread does. Under sync the core holds the step's messages, and this replica
     * its replies to clients, until that sync reports back.
     */
    private void persist(Output output) {
        if (store == null) {
            return;
        }
        try {
            store.append(output);
            if (output.persistSequence() > 0) {
                appendedSequence = output.persistSequence();
            }
            if (durability == RestartPlan.Disk.SYNC) {
                scheduleSync();
            } else if (queue.now() - lastSyncMs >= ASYNC_SYNC_INTERVAL_MS) {
                store.sync();
                lastSyncMs = queue.now();
            }
        } catch (IOException e) {
            throw new IllegalStateException(name + " cannot write its simulated disk: " + e.getMessage(), e);
        }
    }

    private void scheduleSync() {
        if (syncScheduled || appendedSequence <= persistedSequence) {
            return;
        }
        syncScheduled = true;
        int current = incarnation;
        queue.at(queue.now() + SYNC_LATENCY_MS, () -> {
            if (incarnation != current || down) {
                return; // the crash took the unsynced records, and what waited for them
            }
            syncScheduled = false;
            try {
                store.sync();
            } catch (IOException e) {
                throw new IllegalStateException(name + " cannot sync its simulated disk: " + e.getMessage(), e);
            }
            persistedSequence = appendedSequence;
            while (!heldReplies.isEmpty() && heldReplies.peekFirst().sequence() <= persistedSequence) {
                HeldReply reply = heldReplies.pollFirst();
                sendToClient(reply.address(), reply.message());
            }
            step(new Input.Persisted(persistedSequence));
        });
    }

    /** Sends {@code message} to a client, once the records logged so far are durable (sync). */
    private void toClient(int address, Message message) {
        toClient(address, message, appendedSequence);
    }

    /** Sends {@code message} to a client, once the records of step {@code awaits} are durable (sync). */
    private void toClient(int address, Message message, long awaits) {
        if (durability == RestartPlan.Disk.SYNC && store != null && awaits > persistedSequence) {
            heldReplies.addLast(new HeldReply(awaits, address, message));
        } else {
            sendToClient(address, message);
        }
    }

    private void sendToClient(int address, Message message) {
        outbox.send(address, message);
        repliedInStep |= message instanceof Reply;
    }

    private void recovered() {
        long decided = core.lastDecided();
        int regency = core.regency();
        trace.record(queue.now(), 0x4EC0L * 31 + id, () -> name + " RECOVERED at cid=" + decided + " in regency "
                + regency + ": votes again");
        if (onRecovered != null) {
            Runnable then = onRecovered;
            onRecovered = null;
            then.run();
        }
    }

    private static boolean sendsVote(Output output) {
        for (Send send : output.sends()) {
            if (send.message() instanceof Propose || send.message() instanceof Write || send.message() instanceof Accept) {
                return true;
            }
        }
        return false;
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
        output.restore().ifPresent(r -> restore(r.checkpoint()));
        for (Decision decision : output.decisions()) {
            execute(decision, output.repliesAwait());
        }
        for (Send send : output.sends()) {
            recordVote(send.message());
            behavior.onSend(send.to(), send.message(), outbox);
        }
        for (Request request : output.unordered()) {
            toClient(SimClient.address(request.clientId()), replyPolicy().shape(executor.query(request)));
        }
        output.replyResends().forEach(requestId -> executor.cachedReply(requestId)
                .ifPresent(reply -> toClient(SimClient.address(reply.clientId()), reply)));
        // A refusal is answered from the reply cache when it can be, as the runtime does, except
        // that a client of an outdated view gets the view first. The refusal itself goes out only
        // in runs that evict sessions or change the view: elsewhere simulated clients keep one
        // session in one view, and no refusal of theirs could end a call (SimConfig#evictsSessions).
        for (var refusal : output.refusals()) {
            var cached = refusal.reason() == io.phalanx.core.message.Refusal.Reason.VIEW_OUTDATED
                    ? java.util.Optional.<Reply>empty() : executor.cachedReply(refusal.requestId());
            if (cached.isPresent()) {
                toClient(SimClient.address(refusal.clientId()), cached.get());
            } else if (config.evictsSessions() || config.reconfigurations() > 0) {
                toClient(SimClient.address(refusal.clientId()), refusal);
            }
        }
    }

    /** State transfer installed {@code checkpoint}: execution continues from it. */
    private void restore(CheckpointImage checkpoint) {
        executor.restore(checkpoint);
        if (chains != null) {
            chains.restored();
        }
        var digest = checkpoint.digest();
        restores.add(new Restored(checkpoint.consensusId(), digest, decisions.size(), executions.size()));
        checkpoints.add(new Checkpointed(checkpoint.consensusId(), digest, true));
        trace.record(queue.now(), digest.hashCode() * 31L + id, () -> name + " INSTALLS checkpoint cid="
                + checkpoint.consensusId() + " digest=" + digest + " (state transfer)");
    }

    private void recordVote(Message message) {
        if (message instanceof Propose p) {
            votes.add(new Vote(Vote.Kind.PROPOSE, p.consensusId(), p.epoch(), Digests.ofBatch(p.batch())));
        } else if (message instanceof Write w) {
            votes.add(new Vote(Vote.Kind.WRITE, w.consensusId(), w.epoch(), w.batchDigest()));
        } else if (message instanceof Accept a) {
            votes.add(new Vote(Vote.Kind.ACCEPT, a.consensusId(), a.epoch(), a.batchDigest()));
        }
    }

    /**
     * Executes {@code decision} and answers its clients once the records of step
     * {@code repliesAwait} are durable (sync): this replica's ACCEPT in the decision's quorum, not
     * the decision's own record (see {@code Output#repliesAwait}).
     */
    private void execute(Decision decision, long repliesAwait) {
        trace.record(queue.now(), decision.digest().hashCode() * 31L + id, () -> name + " DECIDES cid="
                + decision.consensusId() + " epoch=" + decision.epoch() + " digest=" + decision.digest()
                + " requests=" + decision.batch().requests().size());
        for (Reply reply : executeRecorded(decision)) {
            toClient(SimClient.address(reply.clientId()), replyPolicy().shape(reply), repliesAwait);
        }
        if (replicaConfig.checkpointFollows(decision)) {
            checkpoint();
        }
    }

    private ReplyPolicy replyPolicy() {
        if (replies.view().id() != executor.latestView().id()) {
            replies = ReplyPolicy.hashedReplies(executor.latestView(), id);
        }
        return replies;
    }

    /** Executes {@code decision}, recording it and what it executed for the checkers; its replies. */
    private List<Reply> executeRecorded(Decision decision) {
        decisions.add(new Decided(decision.consensusId(), decision.digest(), decision.batch(), decision.proof()));
        Map<RequestId, Request> byId = new HashMap<>();
        decision.batch().requests().forEach(r -> byId.put(r.id(), r));
        List<Reply> replies = executor.execute(decision);
        for (Reply reply : replies) {
            if (reply.clientId() == replicaConfig.adminClientId()) {
                continue; // a view change, which the core applies and the service never sees
            }
            Request request = byId.get(reply.requestId());
            executions.add(new Executed(decision.consensusId(), reply.requestId(), request.operation(), reply.result()));
        }
        return replies;
    }

    /**
     * Takes a checkpoint after the decision just executed and hands it to the core in a later
     * event, as the runtime's execution thread does (lost if the replica goes down meanwhile).
     */
    private void checkpoint() {
        CheckpointImage image;
        try {
            image = executor.checkpoint(images(), replicaConfig.stateChunkBytes());
        } catch (IOException e) {
            throw new IllegalStateException(name + " cannot write checkpoint " + executor.lastExecuted() + ": "
                    + e.getMessage(), e);
        }
        checkpoints.add(new Checkpointed(image.consensusId(), image.digest(), false));
        if (store != null) {
            try {
                store.checkpoint(image);
            } catch (IOException e) {
                throw new IllegalStateException(name + " cannot store checkpoint " + image.consensusId() + ": "
                        + e.getMessage(), e);
            }
        }
        int current = incarnation;
        queue.at(queue.now(), () -> {
            if (running() && incarnation == current) {
                step(new Input.CheckpointTaken(image));
            }
        });
    }

    /** Every incarnation's history, the current one last (a replica down between two has none). */
    List<ReplicaHistory> histories() {
        List<ReplicaHistory> all = new ArrayList<>(retired);
        if (!down) {
            all.add(history());
        }
        return all;
    }

    /**
     * The blocks every incarnation cut, by channel and segment; none with the key-value service.
     *
     * @return the segments, incarnation by incarnation
     */
    List<ChainSegment> chainSegments() {
        List<ChainSegment> all = new ArrayList<>();
        chainRecorders.forEach(recorder -> all.addAll(recorder.segments()));
        return all;
    }

    private ReplicaHistory history() {
        return new ReplicaHistory(id, incarnation, correct, decisions, executions, restores, checkpoints,
                new ArrayList<>(votes));
    }
}
