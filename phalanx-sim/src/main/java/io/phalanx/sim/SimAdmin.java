package io.phalanx.sim;

import io.phalanx.core.client.ClientConfig;
import io.phalanx.core.client.ClientCore;
import io.phalanx.core.client.ClientOutput;
import io.phalanx.core.codec.CodecException;
import io.phalanx.core.codec.MessageCodec;
import io.phalanx.core.crypto.Signer;
import io.phalanx.core.message.Bytes;
import io.phalanx.core.message.Request;
import io.phalanx.core.view.AdminResult;
import io.phalanx.core.view.Addresses;
import io.phalanx.core.view.InvalidViewException;
import io.phalanx.core.view.View;
import io.phalanx.core.view.ViewChange;
import io.phalanx.core.view.ViewHistory;

import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.SplittableRandom;

/**
 * The administrator in the simulator ({@link Fault#RECONFIG}): a client with the administrator's
 * id that makes {@link SimConfig#reconfigurations} view changes during the workload, one after the
 * other, through the real {@link ClientCore} (so it, too, follows the views it makes).
 *
 * <p>Each change is drawn among those that keep the run within the fault model in every view:
 * set f to a value no lower than the run's faulty replicas (crashes, Byzantine replicas and restart
 * chains), remove a member (the leader included) while n stays large enough for f, replace a
 * member's key (it signs with the new one from the view that names it, {@link SimCrypto#replicaKeys}),
 * or add a replica while the run's faulty replicas leave room in f for it to catch up: one removed
 * before, or a new one (at most {@link #JOINERS_MAX}), which the simulation starts on an empty
 * disk in the view that added it once that view is installed ({@link SimReplica#join}). It checks a
 * change as the command line does before sending it ({@link ViewChange#applyTo} and
 * {@link ViewHistory#checkQuorumsIntersect}), except that one change in six is sent unchecked, so
 * the replicas' own refusal is exercised too.
 */
final class SimAdmin {
    private final long clientId;
    private final SimConfig config;
    private final SimNetwork network;
    private final EventQueue queue;
    private final Trace trace;
    private final MessageCodec codec;
    private final SplittableRandom random;
    private final Set<Fault> fired;
    /** The leader most running correct replicas follow. */
    private final java.util.function.IntSupplier leader;
    /** Told of every view installed, with its first instance: the simulation starts the replicas it adds. */
    private final java.util.function.BiConsumer<View, Long> onInstalled;
    /** Replicas added that were not in the run from its start (at most {@link #JOINERS_MAX}). */
    private int joiners;
    static final int JOINERS_MAX = 2;
    private final ClientCore core;
    /** The newest view the administrator knows of: the initial one, then each its changes made. */
    private View current;
    private int sent;
    private long nextOperationId;
    /** Changes installed, refused by the replicas, and those that removed the view's leader of regency 0. */
    int installed;
    int refused;

    SimAdmin(SimConfig config, SimNetwork network, EventQueue queue, Trace trace, MessageCodec codec,
             SplittableRandom random, Signer signer, Set<Fault> fired, java.util.function.IntSupplier leader,
             java.util.function.BiConsumer<View, Long> onInstalled) {
        this.clientId = clientId(config);
        this.config = config;
        this.network = network;
        this.queue = queue;
        this.trace = trace;
        this.codec = codec;
        this.random = random;
        this.fired = fired;
        this.leader = leader;
        this.onInstalled = onInstalled;
        this.current = config.view();
        this.core = new ClientCore(clientId, config.view(), new ClientConfig(500, 4_000, 1), signer, 0, Set.of());
    }

    /** The administrator's client id: after the correct clients and the Byzantine one. */
    static long clientId(SimConfig config) {
        return config.clients() + 2L;
    }

    /** The newest view the administrator made (or the initial one). */
    View current() {
        return current;
    }

    void start() {
        queue.at(queue.now() + 50 + random.nextInt(800), this::changeNext);
    }

    /** The faulty replicas the run may have at once: what no view's f may go below. */
    private int faultyMax() {
        return config.crashes() + config.byzantine().size() + (config.restarts().any() ? config.restarts().chains() : 0);
    }

    private void changeNext() {
        if (sent >= config.reconfigurations()) {
            return;
        }
        List<ViewChange> valid = new ArrayList<>();
        List<ViewChange> any = new ArrayList<>();
        for (int f = 0; f <= SimConfig.maxF(current.n(), current.mode()); f++) {
            if (f != current.f() && f >= faultyMax()) {
                consider(new ViewChange.SetF(f), valid, any);
            }
        }
        for (int member : current.members()) {
            consider(new ViewChange.Remove(member), valid, any);
            // Key rotation: a fresh key each time, the addresses the view has (or the simulator's).
            Addresses where = current.addresses().getOrDefault(member,
                    new Addresses("sim:" + member + ":mesh", "sim:" + member + ":client"));
            consider(new ViewChange.Replace(member, Bytes.utf8("sim-key-" + member + "-" + sent), where), valid, any);
        }
        if (faultyMax() < current.f()) {
            // A removed replica back, or a new one, which starts empty once the view that adds it is installed.
            int newcomer = config.replicas() + joiners;
            for (int id = 0; id <= newcomer && id < config.replicas() + JOINERS_MAX; id++) {
                if (!current.contains(id)) {
                    consider(new ViewChange.Add(id, Bytes.utf8("sim-key-" + id),
                            new Addresses("sim:" + id + ":mesh", "sim:" + id + ":client")), valid, any);
                }
            }
        }
        boolean unchecked = random.nextInt(6) == 0 && !any.isEmpty();
        List<ViewChange> from = unchecked ? any : valid;
        if (from.isEmpty()) {
            return; // nothing keeps the fault model: the administrator leaves the view alone
        }
        ViewChange drawn = from.get(random.nextInt(from.size()));
        ViewChange removeLeader = new ViewChange.Remove(leader.getAsInt());
        ViewChange lowerF = new ViewChange.SetF(current.f() - 1);
        if (from.contains(removeLeader) && random.nextBoolean()) {
            drawn = removeLeader; // the change most likely to go wrong: tried in half the views that allow it
        } else if (from.contains(lowerF) && from.stream().noneMatch(c -> c instanceof ViewChange.Remove) && random.nextBoolean()) {
            drawn = lowerF; // at the largest f no member can go: a lower f makes removals possible
        }
        ViewChange change = drawn;
        sent++;
        long operationId = nextOperationId++;
        trace.record(queue.now(), change.hashCode() * 31L + clientId, () -> "admin ASKS " + change
                + (unchecked ? " (unchecked)" : "") + " of view " + current.id());
        apply(core.invoke(queue.now(), operationId, Bytes.copyOf(MessageCodec.encodeViewChange(change)), false));
    }

    /** Adds {@code change} to {@code any}, and to {@code valid} if it keeps every check. */
    private void consider(ViewChange change, List<ViewChange> valid, List<ViewChange> any) {
        if (change instanceof ViewChange.Remove || change instanceof ViewChange.SetF) {
            any.add(change);
        }
        try {
            View next = change.applyTo(current);
            ViewHistory.checkQuorumsIntersect(current, next);
            if (next.n() - faultyMax() < next.quorums().quorumSize()) {
                return; // the correct members could not make a quorum
            }
            valid.add(change);
        } catch (InvalidViewException e) {
            // refused before sending, as the command line does
        }
    }

    void deliver(int from, byte[] bytes) {
        apply(SimClient.answer(core, queue.now(), from, SimClient.decode(codec, bytes)));
    }

    private void apply(ClientOutput output) {
        for (ClientOutput.Transmission transmission : output.transmissions()) {
            Request request = transmission.request();
            if (transmission instanceof ClientOutput.Unicast unicast) {
                network.send(SimClient.address(clientId), unicast.replica(), request);
            } else {
                core.view().members().forEach(replica -> network.send(SimClient.address(clientId), replica, request));
            }
        }
        for (ClientOutput.Completion completion : output.completions()) {
            onResult(completion.result());
        }
        for (ClientOutput.Timer timer : output.timers()) {
            queue.at(timer.deadlineMs(), () -> apply(core.onTimeout(queue.now(), timer.operationId(), timer.attempt())));
        }
        for (ClientOutput.Failure failure : output.failures()) {
            trace.record(queue.now(), failure.hashCode() * 31L + clientId, () -> "admin's change FAILED: " + failure.reason());
            queue.at(queue.now() + 50 + random.nextInt(500), this::changeNext);
        }
    }

    private void onResult(Bytes result) {
        AdminResult outcome;
        try {
            outcome = MessageCodec.decodeAdminResult(result.toArray());
        } catch (CodecException e) {
            throw new IllegalStateException("a quorum of replicas answered the administrator with no result: " + e.getMessage(), e);
        }
        if (outcome.installed() != null) {
            installed++;
            if (outcome.installed().members().stream().anyMatch(id -> id >= config.replicas() + joiners)) {
                joiners++;
            }
            current = outcome.installed();
            onInstalled.accept(current, outcome.firstConsensusId());
            fired.add(Fault.RECONFIG);
            trace.record(queue.now(), current.hashCode() * 31L + clientId, () -> "admin INSTALLED view " + current.id()
                    + " " + current.members() + " f=" + current.f() + " from cid=" + outcome.firstConsensusId());
        } else {
            refused++;
            trace.record(queue.now(), outcome.refusal().hashCode() * 31L + clientId, () -> "admin REFUSED: "
                    + outcome.refusal());
        }
        queue.at(queue.now() + 50 + random.nextInt(500), this::changeNext);
    }
}
