package io.phalanx.runtime;

import io.phalanx.core.message.Bytes;
import io.phalanx.core.replica.Counter;
import io.phalanx.kv.KvOperation;
import io.phalanx.kv.KvResult;
import io.phalanx.runtime.transport.NetworkThreads;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

import static io.phalanx.runtime.LocalCluster.counter;
import static io.phalanx.runtime.LocalCluster.op;
import static io.phalanx.runtime.LocalCluster.result;
import static org.assertj.core.api.Assertions.assertThat;

/** Four replicas in one JVM over real TLS: the drivers, the core and the KV service end to end. */
class ReplicaClusterTest {

    @Test
    void orderedUnorderedAndAsyncRequests() throws Exception {
        try (LocalCluster cluster = LocalCluster.start(4, 1, 1, true)) {
            Client client = cluster.client(1000);
            assertThat(result(client.invoke(op(new KvOperation.Put("k", "v1"))))).isEqualTo(KvResult.absent());
            assertThat(result(client.invokeUnordered(op(new KvOperation.Get("k"))))).isEqualTo(KvResult.value("v1"));
            assertThat(result(client.invoke(op(new KvOperation.Put("k", "v2"))))).isEqualTo(KvResult.value("v1"));
            assertThat(result(client.invokeUnorderedAsync(op(new KvOperation.Get("k"))).get(30, TimeUnit.SECONDS)))
                    .isEqualTo(KvResult.value("v2"));

            // More calls than outstandingMax (64): the rest wait their turn.
            int calls = 300;
            List<CompletableFuture<Bytes>> futures = new ArrayList<>();
            for (int i = 0; i < calls; i++) {
                futures.add(client.invokeAsync(op(new KvOperation.Incr("counter", 1))));
            }
            Set<Long> values = new TreeSet<>();
            for (CompletableFuture<Bytes> future : futures) {
                try {
                    values.add(counter(future.get(30, TimeUnit.SECONDS)));
                } catch (Exception e) {
                    for (Replica r : cluster.replicas) { System.out.println("status at failure: " + r.status()); }
                    throw e;
                }
            }
            // Exactly once, in one sequence: every value 1..300 appears once.
            assertThat(values).hasSize(calls).first().isEqualTo(1L);
            assertThat(values).last().isEqualTo((long) calls);
            assertThat(result(client.invoke(op(new KvOperation.Get("counter"))))).isEqualTo(KvResult.value("300"));
            for (Replica replica : cluster.replicas) {
                LocalCluster.await("replica " + replica.id() + " executed everything", Duration.ofSeconds(10),
                        () -> replica.status().lastExecuted() == replica.lastDecided());
                assertThat(replica.status().counter(Counter.BAD_SIGNATURE)).isZero();
                assertThat(replica.regency()).isZero();
            }
        }
    }

    @Test
    void aClientIdUsedAgainByANewSessionIsExecutedNotAnsweredFromCache() throws Exception {
        try (LocalCluster cluster = LocalCluster.start(4, 1, 1, false)) {
            Client first = cluster.client(1000, 7);
            assertThat(counter(first.invoke(op(new KvOperation.Incr("visits", 1))))).isEqualTo(1L);
            first.close();
            Client second = cluster.client(1000, 8); // the same id, restarted: its numbers start again at 1
            assertThat(counter(second.invoke(op(new KvOperation.Incr("visits", 1))))).isEqualTo(2L);
            assertThat(result(second.invoke(op(new KvOperation.Get("visits"))))).isEqualTo(KvResult.value("2"));
        }
    }

    @Test
    void closingTheLeaderLosesNoRequestAndRunsNoneTwice() throws Exception {
        try (LocalCluster cluster = LocalCluster.start(4, 1, 3, false)) {
            closeTheLeaderUnderLoad(cluster, List.of(cluster.client(1000), cluster.client(1001), cluster.client(1002)),
                    150);
        }
    }

    /**
     * Four replicas and two clients in one process on two shared network threads: each replica
     * keeps its protocol and mesh on one of them while client connections spread over both,
     * so requests hop to the protocol's thread. Closing a replica must leave the shared threads
     * serving the others, through a leader change.
     */
    @Test
    void replicasAndClientsSharingTwoNetworkThreadsSurviveTheLeaderClosing() throws Exception {
        try (NetworkThreads threads = NetworkThreads.start("shared test", 2);
             LocalCluster cluster = LocalCluster.startOn(threads, 4, 1, 2)) {
            closeTheLeaderUnderLoad(cluster, List.of(cluster.client(1000), cluster.client(1001)), 100);
        }
    }

    /**
     * Every client runs {@code perClient} increments of one counter, 8 at a time; once a third
     * are done the leader is closed. Every increment must complete exactly once (each returns a
     * distinct value and the counter ends at the total), and the others must follow a new leader.
     */
    private static void closeTheLeaderUnderLoad(LocalCluster cluster, List<Client> clients, int perClient)
            throws Exception {
        int total = perClient * clients.size();
        AtomicInteger completed = new AtomicInteger();
        Set<Long> values = ConcurrentHashMap.newKeySet();
        List<CompletableFuture<Void>> all = new ArrayList<>();
        for (Client client : clients) {
            all.add(runIncrements(client, perClient, 8, completed, values));
        }
        LocalCluster.await("some progress", Duration.ofSeconds(20), () -> completed.get() >= total / 3);
        int leader = cluster.replicas[1].leader(); // 0, unless a slow machine already caused a change
        cluster.replicas[leader].close();

        CompletableFuture.allOf(all.toArray(CompletableFuture[]::new)).get(60, TimeUnit.SECONDS);
        assertThat(completed.get()).isEqualTo(total);
        assertThat(values).hasSize(total).allMatch(v -> v >= 1 && v <= total);
        assertThat(result(clients.get(0).invoke(op(new KvOperation.Get("shared")))))
                .isEqualTo(KvResult.value(String.valueOf(total)));
        for (int i = 0; i < cluster.replicas.length; i++) {
            if (i != leader) {
                assertThat(cluster.replicas[i].regency()).isPositive();
                assertThat(cluster.replicas[i].leader()).isNotEqualTo(leader);
                assertThat(cluster.replicas[i].failure()).isEmpty();
            }
        }
    }

    /** {@code count} increments of the shared counter, at most {@code inFlight} at a time. */
    static CompletableFuture<Void> runIncrements(Client client, int count, int inFlight, AtomicInteger completed,
                                                 Set<Long> values) {
        CompletableFuture<Void> done = new CompletableFuture<>();
        AtomicInteger started = new AtomicInteger();
        AtomicInteger finished = new AtomicInteger();
        Runnable[] next = new Runnable[1];
        next[0] = () -> {
            if (started.incrementAndGet() > count) {
                return;
            }
            client.invokeAsync(op(new KvOperation.Incr("shared", 1))).whenComplete((bytes, error) -> {
                if (error != null) {
                    done.completeExceptionally(error);
                    return;
                }
                if (!values.add(counter(bytes))) {
                    done.completeExceptionally(new AssertionError("value " + counter(bytes) + " returned twice"));
                }
                completed.incrementAndGet();
                if (finished.incrementAndGet() == count) {
                    done.complete(null);
                } else {
                    next[0].run();
                }
            });
        };
        for (int i = 0; i < inFlight; i++) {
            next[0].run();
        }
        return done;
    }
}
