package io.phalanx.runtime;

import io.phalanx.core.codec.MessageCodec;
import io.phalanx.core.message.Bytes;
import io.phalanx.core.view.AdminResult;
import io.phalanx.core.view.ViewChange;
import io.phalanx.core.view.Addresses;
import io.phalanx.kv.KvOperation;
import io.phalanx.runtime.config.JoinTicket;
import io.phalanx.runtime.keys.NodeIdentity;
import io.phalanx.runtime.keys.Pem;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.HashSet;
import java.util.Set;
import java.util.ArrayList;
import java.util.List;
import java.util.Queue;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.stream.LongStream;

import static io.phalanx.runtime.LocalCluster.await;
import static io.phalanx.runtime.LocalCluster.counter;
import static io.phalanx.runtime.LocalCluster.op;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * The administrator changes the view of running replicas while clients increment a counter: the
 * change is installed everywhere, the clients learn the new view and go on, a removed replica
 * stops, and every acknowledged increment counts exactly once.
 */
class ViewChangeTest {
    private static final Duration WAIT = Duration.ofSeconds(20);
    private static final String KEY = "counter";

    @Test
    void theAdministratorRemovesAReplicaUnderLoadAndItStops() throws Exception {
        try (LocalCluster cluster = LocalCluster.startWithAdmin(5, 1, 2);
             Workload load = Workload.start(cluster, 1000, 1001)) {
            load.awaitAcknowledged(20);
            AdminResult result = administer(cluster, new ViewChange.Remove(4));
            assertThat(result.refusal()).isNull();
            assertThat(result.installed().id()).isEqualTo(1);
            assertThat(result.installed().members()).containsExactly(0, 1, 2, 3);
            assertThat(result.installed().f()).isEqualTo(1);

            awaitRemoved(cluster.replicas[4]);
            awaitViewEverywhere(cluster, List.of(0, 1, 2, 3), 1);
            load.awaitViewAdopted(1);
            load.awaitAcknowledged(load.acknowledged() + 20);
            load.stopAndCheckEachIncrementCountedOnce();

            // Started again on its data directory, it replays the change from its log and stops again.
            awaitRemoved(cluster.startReplica(4));
        }
    }

    @Test
    void removingTheLeaderHandsOverToTheNextMember() throws Exception {
        try (LocalCluster cluster = LocalCluster.startWithAdmin(5, 1, 1);
             Workload load = Workload.start(cluster, 1000)) {
            load.awaitAcknowledged(20);
            int leader = cluster.replicas[1].leader();
            AdminResult result = administer(cluster, new ViewChange.Remove(leader));
            assertThat(result.installed().members()).doesNotContain(leader).hasSize(4);

            awaitRemoved(cluster.replicas[leader]);
            List<Integer> members = result.installed().members();
            awaitViewEverywhere(cluster, members, 1);
            load.awaitViewAdopted(1);
            load.awaitAcknowledged(load.acknowledged() + 20);
            int regency = cluster.replicas[members.get(0)].regency();
            for (int member : members) {
                assertThat(cluster.replicas[member].leader()).as("leader seen by replica %d", member)
                        .isEqualTo(result.installed().leaderOf(regency)).isNotEqualTo(leader);
            }
            load.stopAndCheckEachIncrementCountedOnce();
        }
    }

    @Test
    void theAdministratorLowersFFromTwoToOneInSevenReplicas() throws Exception {
        try (LocalCluster cluster = LocalCluster.startWithAdmin(7, 2, 1);
             Workload load = Workload.start(cluster, 1000)) {
            load.awaitAcknowledged(20);
            AdminResult result = administer(cluster, new ViewChange.SetF(1));
            assertThat(result.installed().f()).isEqualTo(1);
            assertThat(result.installed().members()).containsExactly(0, 1, 2, 3, 4, 5, 6);
            assertThat(result.installed().quorums().quorumSize()).isEqualTo(5);

            awaitViewEverywhere(cluster, List.of(0, 1, 2, 3, 4, 5, 6), 1);
            for (Replica replica : cluster.replicas) {
                assertThat(replica.view().f()).isEqualTo(1);
                assertThat(replica.removed()).isFalse();
            }
            load.awaitViewAdopted(1);
            load.awaitAcknowledged(load.acknowledged() + 20);
            load.stopAndCheckEachIncrementCountedOnce();
        }
    }

    @Test
    void theReplicasRefuseToAddAReplicaWhileAnotherIsDownNamingWhoIsMissing() throws Exception {
        try (LocalCluster cluster = LocalCluster.startWithAdmin(4, 1, 1);
             Workload load = Workload.start(cluster, 1000)) {
            load.awaitAcknowledged(20);
            cluster.replicas[3].close();
            load.awaitAcknowledged(load.acknowledged() + 20);
            NodeIdentity identity = LocalCluster.CERTIFICATES.generate("replica-4", Instant.now());
            Addresses addresses = freeAddresses(cluster);
            // Sent as is, past the command line's own check: the replicas check it themselves.
            AdminResult added = administer(cluster, new ViewChange.Add(4,
                    Bytes.copyOf(identity.publicKey().getEncoded()), addresses));
            assertThat(added.installed()).isNull();
            assertThat(added.refusal()).contains("needs a quorum of 4 of [0, 1, 2, 3, 4]")
                    .contains("only 3 of them are up and caught up (missing [3, 4])");
            for (int id = 0; id < 3; id++) {
                assertThat(cluster.replicas[id].view().id()).isZero();
            }
            load.awaitAcknowledged(load.acknowledged() + 20);
            load.stopAndCheckEachIncrementCountedOnce();
        }
    }

    @Test
    void aReplicaJoinsByStateTransferUnderLoadAndItsVotesCountOnceTheLeaderIsRemoved() throws Exception {
        try (LocalCluster cluster = LocalCluster.startWithAdmin(4, 1, 2);
             Workload load = Workload.start(cluster, 1000, 1001)) {
            load.awaitAcknowledged(50);
            NodeIdentity identity = LocalCluster.CERTIFICATES.generate("replica-4", Instant.now());
            Addresses addresses = freeAddresses(cluster);
            AdminResult added = administer(cluster, new ViewChange.Add(4,
                    Bytes.copyOf(identity.publicKey().getEncoded()), addresses));
            assertThat(added.refusal()).isNull();
            assertThat(added.installed().members()).containsExactly(0, 1, 2, 3, 4);
            JoinTicket ticket = new JoinTicket(4, added.firstConsensusId(), added.installed(), identity.certificate(),
                    new byte[0]).sign(cluster.clientIdentities.get(cluster.adminId()).privateKey());

            Replica joined = cluster.join(4, identity, ticket);
            await("replica 4 caught up", WAIT, () -> !joined.status().recovering()
                    && joined.lastDecided() >= added.firstConsensusId());
            load.awaitViewAdopted(1);
            load.awaitAcknowledged(load.acknowledged() + 50);
            await("clients connected to replica 4", WAIT,
                    () -> joined.status().clientPort().connectionsUp() >= 2);

            // View 2 removes the leader; with one more member of view 2 down, its quorum of 3 needs replica 4.
            int leader = cluster.replicas[0].leader();
            AdminResult removed = administer(cluster, new ViewChange.Remove(leader));
            List<Integer> members = removed.installed().members();
            assertThat(members).contains(4).doesNotContain(leader).hasSize(4);
            awaitRemoved(cluster.replicas[leader]);
            load.awaitViewAdopted(2);
            int down = members.stream().filter(id -> id != 4).findFirst().orElseThrow();
            cluster.replicas[down].close();
            load.awaitAcknowledged(load.acknowledged() + 50);
            assertThat(joined.view().id()).isEqualTo(2);
            load.stopAndCheckEachIncrementCountedOnce();

            // Started again without naming the ticket, it finds the one its data directory kept.
            joined.close();
            Replica again = cluster.join(4, identity, null);
            await("replica 4 back", WAIT, () -> again.lastDecided() >= joined.lastDecided() && !again.status().recovering());
            assertThat(again.view().id()).isEqualTo(2);
        }
    }

    @Test
    void aReplicasKeyIsReplacedWithAnotherReplicaDownAndItVotesAndServesTlsUnderTheNewKey(@TempDir Path dir)
            throws Exception {
        try (LocalCluster cluster = LocalCluster.startWithAdmin(4, 1, 1);
             Workload load = Workload.start(cluster, 1000)) {
            load.awaitAcknowledged(20);
            // Replica 2 runs with a next key file that does not exist yet.
            Path nextKey = dir.resolve("replica-2.next.key");
            cluster.replicas[2].close();
            Replica two = cluster.startReplica(2, builder -> builder.nextKey(nextKey));
            await("replica 2 back", WAIT, () -> !two.status().recovering()
                    && two.lastDecided() >= cluster.replicas[0].lastDecided());
            cluster.replicas[3].close();
            load.awaitAcknowledged(load.acknowledged() + 20);

            // The operator puts the new key in place while replica 2 runs, then replaces the key.
            NodeIdentity next = LocalCluster.CERTIFICATES.generate("replica-2-next", Instant.now());
            Pem.writePrivate(nextKey, next.privateKey());
            Pem.writePublic(ReplicaKeys.certificateBeside(nextKey), next.certificate());
            Addresses addresses = cluster.replicas[0].view().addresses().get(2);
            AdminResult replaced = administer(cluster, new ViewChange.Replace(2,
                    Bytes.copyOf(next.publicKey().getEncoded()), addresses));
            assertThat(replaced.refusal()).isNull();
            assertThat(replaced.installed().publicKeys().get(2)).isEqualTo(Bytes.copyOf(next.publicKey().getEncoded()));

            // With replica 3 down, every quorum of view 1 needs replica 2's votes under the new key.
            awaitViewEverywhere(cluster, List.of(0, 1, 2), 1);
            load.awaitViewAdopted(1);
            load.awaitAcknowledged(load.acknowledged() + 30);

            // New connections authenticate the new key: replica 0 restarted dials replica 2 again,
            // and replica 2 restarted finds both keys and signs with the new one.
            cluster.replicas[0].close();
            Replica zero = cluster.startReplica(0);
            await("replica 0 back", WAIT, () -> !zero.status().recovering() && zero.view().id() == 1);
            load.awaitAcknowledged(load.acknowledged() + 20);
            two.close();
            Replica again = cluster.startReplica(2, builder -> builder.nextKey(nextKey));
            await("replica 2 back under its new key", WAIT, () -> !again.status().recovering() && again.view().id() == 1);
            load.awaitAcknowledged(load.acknowledged() + 20);
            for (Replica replica : List.of(zero, cluster.replicas[1], again)) {
                assertThat(replica.failure()).isEmpty();
            }
            load.stopAndCheckEachIncrementCountedOnce();
        }
    }

    @Test
    void aReplicaMovedToNewAddressesComesBackThereOnAnEmptyDiskAndItsVotesCount() throws Exception {
        try (LocalCluster cluster = LocalCluster.startWithAdmin(4, 1, 1);
             Workload load = Workload.start(cluster, 1000)) {
            load.awaitAcknowledged(20);
            Set<Integer> ports = new HashSet<>();
            cluster.config.replicas().forEach(r -> {
                ports.add(r.port());
                ports.add(r.clientPort());
            });
            int mesh = LocalCluster.freePort(ports);
            ports.add(mesh);
            Addresses moved = new Addresses("127.0.0.1:" + mesh, "127.0.0.1:" + LocalCluster.freePort(ports));
            NodeIdentity identity = cluster.replicaIdentities.get(2);
            // Replica 2 is left running at its old place: once the view that moves it is in force
            // there, it stops, so that two processes never vote as one replica.
            Replica old = cluster.replicas[2];
            AdminResult result = administer(cluster, new ViewChange.Replace(2,
                    Bytes.copyOf(identity.publicKey().getEncoded()), moved));
            assertThat(result.refusal()).isNull();
            assertThat(result.installed().addresses().get(2)).isEqualTo(moved);
            assertThat(old.awaitClosed(WAIT)).as("replica 2 at its old place stopped").isTrue();
            assertThat(old.failure()).get().asString().contains("moved it to mesh " + moved.mesh());

            JoinTicket ticket = new JoinTicket(2, result.firstConsensusId(), result.installed(), identity.certificate(),
                    new byte[0]).sign(cluster.clientIdentities.get(cluster.adminId()).privateKey());
            Replica there = cluster.join(2, identity, ticket, "replica-2-moved");
            await("replica 2 caught up at its new addresses", WAIT, () -> !there.status().recovering()
                    && there.lastDecided() >= result.firstConsensusId());
            load.awaitViewAdopted(1);
            // With replica 3 down, every quorum needs the moved replica: its peers and the client reach it there.
            cluster.replicas[3].close();
            load.awaitAcknowledged(load.acknowledged() + 30);
            assertThat(there.status().clientPort().connectionsUp()).isPositive();
            load.stopAndCheckEachIncrementCountedOnce();
        }
    }

    @Test
    void aReplicaWithoutTheKeyItsViewNamesStopsSayingWhereTheKeyBelongs() throws Exception {
        try (LocalCluster cluster = LocalCluster.startWithAdmin(4, 1, 1);
             Workload load = Workload.start(cluster, 1000)) {
            load.awaitAcknowledged(10);
            NodeIdentity next = LocalCluster.CERTIFICATES.generate("replica-1-next", Instant.now());
            AdminResult replaced = administer(cluster, new ViewChange.Replace(1,
                    Bytes.copyOf(next.publicKey().getEncoded()), cluster.replicas[0].view().addresses().get(1)));
            assertThat(replaced.refusal()).isNull();
            assertThat(cluster.replicas[1].awaitClosed(WAIT)).isTrue();
            assertThat(cluster.replicas[1].failure()).get().asString()
                    .contains("does not hold the key view 1 names for replica 1");
            load.awaitAcknowledged(load.acknowledged() + 20); // the other three are a quorum
            load.stopAndCheckEachIncrementCountedOnce();
        }
    }

    /**
     * Sends {@code change} as the administrator's ordered request, as one run of the administrator
     * client, and decodes the result. The run is closed before the next begins, as {@code phalanx
     * view} runs are: two open runs of one client id in the same second share a session, and the
     * second one's request would be answered from the replicas' reply cache with the first one's result.
     */
    private static AdminResult administer(LocalCluster cluster, ViewChange change) throws Exception {
        try (Client admin = cluster.client(cluster.adminId())) {
            Bytes result = admin.invoke(Bytes.copyOf(MessageCodec.encodeViewChange(change)));
            return MessageCodec.decodeAdminResult(result.toArray());
        }
    }

    /** Mesh and client addresses on 127.0.0.1 that no replica of {@code cluster} uses. */
    private static Addresses freeAddresses(LocalCluster cluster) {
        Set<Integer> ports = new HashSet<>();
        cluster.config.replicas().forEach(r -> {
            ports.add(r.port());
            ports.add(r.clientPort());
        });
        return new Addresses("127.0.0.1:" + LocalCluster.freePort(ports), "127.0.0.1:" + LocalCluster.freePort(ports));
    }

    private static void awaitRemoved(Replica replica) throws InterruptedException {
        assertThat(replica.awaitClosed(WAIT)).as("replica %d stopped", replica.id()).isTrue();
        assertThat(replica.removed()).isTrue();
        assertThat(replica.failure()).isEmpty();
    }

    private static void awaitViewEverywhere(LocalCluster cluster, List<Integer> members, long viewId)
            throws InterruptedException {
        for (int member : members) {
            await("replica " + member + " in view " + viewId, WAIT,
                    () -> cluster.replicas[member].view().id() == viewId);
        }
    }

    /**
     * Clients, one thread each, incrementing {@link #KEY} by one call after another; the value each
     * acknowledged call returned is kept.
     */
    private static final class Workload implements AutoCloseable {
        private final List<Client> clients = new ArrayList<>();
        private final List<Thread> threads = new ArrayList<>();
        private final Queue<Long> acknowledged = new ConcurrentLinkedQueue<>();
        private final Queue<Throwable> failures = new ConcurrentLinkedQueue<>();
        private volatile boolean running = true;

        static Workload start(LocalCluster cluster, long... clientIds) throws Exception {
            Workload load = new Workload();
            for (long id : clientIds) {
                Client client = cluster.client(id);
                load.clients.add(client);
                Thread thread = new Thread(() -> load.run(client), "workload-" + id);
                thread.setDaemon(true);
                load.threads.add(thread);
                thread.start();
            }
            return load;
        }

        private void run(Client client) {
            while (running) {
                try {
                    acknowledged.add(counter(client.invoke(op(new KvOperation.Incr(KEY, 1)))));
                } catch (RuntimeException e) {
                    failures.add(e);
                    return;
                }
            }
        }

        int acknowledged() {
            return acknowledged.size();
        }

        void awaitAcknowledged(int count) throws InterruptedException {
            await(count + " acknowledged increments (failures: " + failures + ")", WAIT,
                    () -> acknowledged.size() >= count || !failures.isEmpty());
            assertThat(failures).isEmpty();
        }

        void awaitViewAdopted(long viewId) throws InterruptedException {
            for (Client client : clients) {
                await("client " + client.id() + " in view " + viewId, WAIT, () -> client.stats().viewId() == viewId);
            }
        }

        /**
         * Stops the calls, then reads the counter: the acknowledged values must be exactly 1..value,
         * so no increment was lost or counted twice (and none failed, whose effect would be unknown).
         */
        void stopAndCheckEachIncrementCountedOnce() throws InterruptedException {
            stop();
            assertThat(failures).isEmpty();
            long value = counter(clients.get(0).invoke(op(new KvOperation.Incr(KEY, 0))));
            assertThat(acknowledged.stream().sorted().toList())
                    .isEqualTo(LongStream.rangeClosed(1, value).boxed().toList());
        }

        private void stop() throws InterruptedException {
            running = false;
            for (Thread thread : threads) {
                thread.join(WAIT.toMillis());
            }
        }

        @Override
        public void close() throws InterruptedException {
            stop(); // the clients belong to the cluster, which closes them
        }
    }
}
