package io.phalanx.runtime;

import io.phalanx.core.message.Bytes;
import io.phalanx.kv.KvOperation;
import io.phalanx.kv.KvResult;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Random;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import java.util.stream.IntStream;

import static io.phalanx.runtime.LocalCluster.counter;
import static io.phalanx.runtime.LocalCluster.op;
import static io.phalanx.runtime.LocalCluster.result;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * Replicas start in any order, with any gaps: the client first, then the four replicas of a
 * fresh cluster one by one in a random order with random gaps of up to 10 s, so the early
 * replicas' redial backoff has long reached its cap when the late ones come (LatePeerTest checks
 * the backoff itself, and names that resolve late). A write sent before any replica runs completes once a quorum is up (a leader
 * change if the first leader is among the late ones); with all four up, writes succeed and every
 * replica, the last one included, executes the same history.
 *
 * <p>Orders and gaps come from a seeded generator, printed; replay with
 * {@code -Dphalanx.startorder.seed=S}.
 */
class StartOrderTest {
    private static final int REPLICAS = 4;
    private static final int ROUNDS = 2;
    private static final long GAP_MAX_MS = 10_000;

    @Test
    void fourReplicasStartedInRandomOrdersWithGapsServeWrites() throws Exception {
        long seed = Long.getLong("phalanx.startorder.seed", 20_261_203L);
        Random random = new Random(seed);
        List<Integer> previous = null;
        for (int round = 1; round <= ROUNDS; round++) {
            List<Integer> order = IntStream.range(0, REPLICAS).boxed().collect(Collectors.toCollection(ArrayList::new));
            Collections.shuffle(order, random);
            if (order.equals(previous)) {
                Collections.reverse(order);
            }
            long[] gapsMs = new long[REPLICAS];
            for (int i = 1; i < REPLICAS; i++) {
                gapsMs[i] = random.nextInt(4) == 0 ? 0 : 1 + (long) random.nextInt((int) GAP_MAX_MS);
            }
            System.out.printf("start order seed %d round %d: replicas %s, gaps before each %s ms%n",
                    seed, round, order, java.util.Arrays.toString(gapsMs));
            startInOrderAndServe(order, gapsMs);
            previous = order;
        }
    }

    private static void startInOrderAndServe(List<Integer> order, long[] gapsMs) throws Exception {
        Set<Integer> all = IntStream.range(0, REPLICAS).boxed().collect(Collectors.toSet());
        try (LocalCluster cluster = LocalCluster.start(REPLICAS, 1, 1, false, all)) {
            Client client = cluster.client(1000); // before any replica: it keeps dialling them all
            CompletableFuture<Bytes> early = client.invokeAsync(op(new KvOperation.Incr("visits", 1)));
            for (int i = 0; i < REPLICAS; i++) {
                Thread.sleep(gapsMs[i]);
                cluster.startReplica(order.get(i));
                if (i < 2) {
                    assertThat(early).as("no quorum with %d replicas up", i + 1).isNotDone();
                }
            }
            long first = counter(early.get(60, TimeUnit.SECONDS));
            assertThat(first).isEqualTo(1L);

            Set<Long> values = new TreeSet<>();
            for (int i = 0; i < 20; i++) {
                values.add(counter(client.invoke(op(new KvOperation.Incr("visits", 1)))));
            }
            assertThat(values).hasSize(20).first().isEqualTo(2L);
            assertThat(result(client.invoke(op(new KvOperation.Get("visits"))))).isEqualTo(KvResult.value("21"));
            long decided = cluster.replicas[order.get(0)].lastDecided();
            for (Replica replica : cluster.replicas) {
                LocalCluster.await("replica " + replica.id() + " executed everything", Duration.ofSeconds(30),
                        () -> replica.lastDecided() >= decided && replica.status().lastExecuted() == replica.lastDecided());
            }
        }
    }
}
