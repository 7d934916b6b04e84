package io.phalanx.cli;

import io.phalanx.core.message.Bytes;
import io.phalanx.kv.KvOperation;
import io.phalanx.kv.KvResult;
import io.phalanx.runtime.Client;
import io.phalanx.runtime.PhalanxTimeoutException;
import org.HdrHistogram.Recorder;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The demo's key-value workload, with checks that the results are those of one sequential
 * execution. Each client runs a few slots, each a closed loop of three steps:
 *
 * <ol>
 *   <li>{@code incr counter-C} — the client's own counter; successes are counted, and at the end
 *       an ordered {@code get} must return exactly that count (no increment lost or doubled,
 *       also across the leader crash);</li>
 *   <li>{@code put key-C-S vN} — the slot's own key;</li>
 *   <li>{@code get key-C-S} on the read-only path — must return {@code vN}, the slot's last
 *       write (read-your-writes through an unordered quorum read).</li>
 * </ol>
 * Latencies go to an HdrHistogram {@link Recorder} (microseconds) that the status line samples.
 */
final class DemoWorkload {
    /** Problems kept for the summary; the count is exact beyond it. */
    private static final int PROBLEMS_MAX = 10;

    private final List<Client> clients;
    private final int slotsPerClient;
    private final Recorder latencyMicros = new Recorder(3);
    private final AtomicLong completed = new AtomicLong();
    private final AtomicLong failed = new AtomicLong();
    private final AtomicLong checkFailures = new AtomicLong();
    private final AtomicLong readsChecked = new AtomicLong();
    private final AtomicInteger slotsRunning = new AtomicInteger();
    private final long[] increments;
    private final List<String> problems = Collections.synchronizedList(new ArrayList<>());
    private volatile boolean stopping;

    DemoWorkload(List<Client> clients, int slotsPerClient) {
        this.clients = List.copyOf(clients);
        this.slotsPerClient = slotsPerClient;
        this.increments = new long[clients.size()];
    }

    void start() {
        for (int c = 0; c < clients.size(); c++) {
            for (int s = 0; s < slotsPerClient; s++) {
                slotsRunning.incrementAndGet();
                step(c, s, 0, null);
            }
        }
    }

    /** Stops issuing operations and waits (at most {@code waitMs}) for those in flight. */
    boolean stop(long waitMs) throws InterruptedException {
        stopping = true;
        long deadline = System.currentTimeMillis() + waitMs;
        while (slotsRunning.get() > 0 && System.currentTimeMillis() < deadline) {
            Thread.sleep(20);
        }
        return slotsRunning.get() == 0;
    }

    /**
     * One step of slot {@code s} of client {@code c}. Runs on the client's thread (from the
     * previous step's completion), so it never blocks.
     *
     * @param expected the value the slot last wrote, or null if unknown (its put failed)
     */
    private void step(int c, int s, long n, String expected) {
        if (stopping) {
            slotsRunning.decrementAndGet();
            return;
        }
        Client client = clients.get(c);
        long id = client.id();
        int phase = (int) (n % 3);
        String key = "key-" + id + "-" + s;
        String value = "v" + n;
        CompletableFuture<Bytes> call = switch (phase) {
            case 0 -> client.invokeAsync(new KvOperation.Incr("counter-" + id, 1).encode());
            case 1 -> client.invokeAsync(new KvOperation.Put(key, value).encode());
            default -> client.invokeUnorderedAsync(new KvOperation.Get(key).encode());
        };
        long startNanos = System.nanoTime();
        call.whenComplete((bytes, error) -> {
            latencyMicros.recordValue(Math.max(1, (System.nanoTime() - startNanos) / 1000));
            String nextExpected = expected;
            if (error != null) {
                failed.incrementAndGet();
                problem("client " + id + ": " + error.getMessage());
                if (!(unwrap(error) instanceof PhalanxTimeoutException)) {
                    slotsRunning.decrementAndGet(); // the client is closed or refusing: retrying would spin
                    return;
                }
                nextExpected = phase == 1 ? null : expected;
            } else {
                completed.incrementAndGet();
                if (phase == 0) {
                    synchronized (increments) {
                        increments[c]++;
                    }
                } else if (phase == 1) {
                    nextExpected = value;
                } else if (expected != null) {
                    checkRead(id, key, expected, KvResult.decode(bytes));
                }
            }
            step(c, s, n + 1, nextExpected);
        });
    }

    private static Throwable unwrap(Throwable error) {
        return error instanceof java.util.concurrent.CompletionException && error.getCause() != null
                ? error.getCause() : error;
    }

    private void checkRead(long id, String key, String expected, KvResult result) {
        readsChecked.incrementAndGet();
        if (!result.equals(KvResult.value(expected))) {
            checkFailures.incrementAndGet();
            problem("client " + id + " read " + result + " from " + key + " after writing '" + expected + "'");
        }
    }

    /** After {@link #stop}: each client's counter, read on the ordered path, must equal its successful increments. */
    int verifyCounters() {
        int verified = 0;
        for (int c = 0; c < clients.size(); c++) {
            Client client = clients.get(c);
            long expected;
            synchronized (increments) {
                expected = increments[c];
            }
            KvResult want = expected == 0 ? KvResult.absent() : new KvResult.Value(Optional.of(Long.toString(expected)));
            try {
                KvResult got = KvResult.decode(client.invoke(new KvOperation.Get("counter-" + client.id()).encode()));
                if (got.equals(want)) {
                    verified++;
                } else {
                    checkFailures.incrementAndGet();
                    problem("counter-" + client.id() + " is " + got + " but the client saw " + expected
                            + " successful increments");
                }
            } catch (RuntimeException e) {
                failed.incrementAndGet();
                problem("client " + client.id() + ": final read failed: " + e.getMessage());
            }
        }
        return verified;
    }

    private void problem(String text) {
        if (problems.size() < PROBLEMS_MAX) {
            problems.add(text);
        }
    }

    Recorder latencyMicros() {
        return latencyMicros;
    }

    long completed() {
        return completed.get();
    }

    long failed() {
        return failed.get();
    }

    long checkFailures() {
        return checkFailures.get();
    }

    long readsChecked() {
        return readsChecked.get();
    }

    List<String> problems() {
        synchronized (problems) {
            return List.copyOf(problems);
        }
    }
}
