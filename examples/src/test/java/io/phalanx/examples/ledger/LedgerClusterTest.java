package io.phalanx.examples.ledger;

import io.phalanx.core.message.Bytes;
import io.phalanx.runtime.Client;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.TreeMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Two clients move money between three accounts concurrently on a 4-replica BFT cluster, one
 * replica stops halfway (f = 1: the others carry on), and the books still balance: every
 * balance is what the transfers each client saw succeed add up to, and the total never changes.
 */
class LedgerClusterTest {
    private static final List<String> ACCOUNTS = List.of("alice", "bob", "carol");
    private static final long OPENING = 1_000;
    private static final int TRANSFERS_PER_CLIENT = 60;

    @Test
    void concurrentTransfersKeepTheBooksBalancedWhileAReplicaStops(@TempDir Path dir) throws Exception {
        try (LocalLedgerCluster cluster = LocalLedgerCluster.start(dir, 2)) {
            Client first = cluster.client(1000);
            Client second = cluster.client(1001);
            for (String account : ACCOUNTS) {
                assertEquals("OK " + OPENING, call(first, new LedgerOperation.Open(account, OPENING)));
            }
            assertEquals("REFUSED account alice exists", call(second, new LedgerOperation.Open("alice", 5)));

            ExecutorService workers = Executors.newFixedThreadPool(2);
            try {
                Future<Map<String, Long>> a = workers.submit(() -> transfers(first, new Random(1), cluster, true));
                Future<Map<String, Long>> b = workers.submit(() -> transfers(second, new Random(2), cluster, false));
                Map<String, Long> expected = new TreeMap<>();
                ACCOUNTS.forEach(account -> expected.put(account, OPENING));
                a.get(120, TimeUnit.SECONDS).forEach((account, change) -> expected.merge(account, change, Long::sum));
                b.get(120, TimeUnit.SECONDS).forEach((account, change) -> expected.merge(account, change, Long::sum));

                for (String account : ACCOUNTS) {
                    // Ordered read, then a read-only query answered by matching replies of a quorum.
                    assertEquals("OK " + expected.get(account), call(first, new LedgerOperation.Balance(account)));
                    assertEquals("OK " + expected.get(account),
                            text(second.invokeUnordered(new LedgerOperation.Balance(account).encode())));
                }
                assertEquals("OK " + OPENING * ACCOUNTS.size(), call(second, new LedgerOperation.Total()));
            } finally {
                workers.shutdownNow();
            }
            assertEquals("REFUSED unknown operation 'withdraw'", text(first.invoke(Bytes.utf8("withdraw alice 5"))));
        }
    }

    /**
     * Random transfers; returns how much each account gained or lost by those that succeeded.
     * The first client stops replica 3 halfway.
     */
    private static Map<String, Long> transfers(Client client, Random random, LocalLedgerCluster cluster,
                                               boolean stopsAReplica) {
        Map<String, Long> change = new TreeMap<>();
        for (int i = 0; i < TRANSFERS_PER_CLIENT; i++) {
            if (stopsAReplica && i == TRANSFERS_PER_CLIENT / 2) {
                cluster.replicas[3].close();
            }
            String from = ACCOUNTS.get(random.nextInt(ACCOUNTS.size()));
            String to = ACCOUNTS.get((ACCOUNTS.indexOf(from) + 1 + random.nextInt(ACCOUNTS.size() - 1)) % ACCOUNTS.size());
            long amount = 1 + random.nextInt(400);
            String result = call(client, new LedgerOperation.Transfer(from, to, amount));
            if (result.startsWith("OK ")) {
                change.merge(from, -amount, Long::sum);
                change.merge(to, amount, Long::sum);
            } else {
                assertEquals("REFUSED insufficient funds", result);
            }
        }
        assertTrue(change.values().stream().mapToLong(Long::longValue).sum() == 0, "transfers create no money");
        return change;
    }

    private static String call(Client client, LedgerOperation operation) {
        return text(client.invoke(operation.encode()));
    }

    private static String text(Bytes result) {
        return new String(result.toArray(), StandardCharsets.UTF_8);
    }
}
