package io.phalanx.cli;

import io.phalanx.core.message.Bytes;
import io.phalanx.kv.KvOperation;
import io.phalanx.kv.KvResult;
import io.phalanx.runtime.Client;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.File;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Four replicas as separate OS processes ({@code phalanx replica}), the leader's process killed
 * with SIGKILL mid-workload: every request still completes exactly once.
 */
class ProcessClusterTest {
    private static final int REPLICAS = 4;

    @Test
    void killingTheLeaderProcessLosesNoRequestAndRunsNoneTwice(@TempDir Path dir) throws Exception {
        Path config = LocalClusterDirectory.create(dir, REPLICAS, 1, 500);
        List<Process> processes = new ArrayList<>();
        try {
            for (int i = 0; i < REPLICAS; i++) {
                processes.add(startReplica(config, i, dir.resolve("replica-" + i + ".log").toFile()));
            }
            try (Client client = Client.builder().config(config).id(1000).callTimeout(Duration.ofSeconds(60)).build()) {
                awaitTrue("client connected to every replica", Duration.ofSeconds(60),
                        () -> client.stats().connectedReplicas().size() == REPLICAS);
                int total = 300;
                AtomicInteger completed = new AtomicInteger();
                Set<Long> values = ConcurrentHashMap.newKeySet();
                CompletableFuture<Void> done = increments(client, total, 8, completed, values);
                awaitTrue("some progress", Duration.ofSeconds(30), () -> completed.get() >= 60);
                processes.get(0).destroyForcibly().waitFor(10, TimeUnit.SECONDS); // r0 leads regency 0

                done.get(90, TimeUnit.SECONDS);
                assertThat(values).hasSize(total).allMatch(v -> v >= 1 && v <= total);
                KvResult last = KvResult.decode(client.invoke(new KvOperation.Get("shared").encode()));
                assertThat(last).isEqualTo(KvResult.value(Integer.toString(total)));
                for (int i = 1; i < REPLICAS; i++) {
                    assertThat(processes.get(i).isAlive()).as("replica %d still running", i).isTrue();
                }
            }
            // SIGTERM runs the shutdown hook: a clean stop, logged, exit status 143 (128 + SIGTERM).
            processes.get(1).destroy();
            assertThat(processes.get(1).waitFor(20, TimeUnit.SECONDS)).isTrue();
            assertThat(java.nio.file.Files.readString(dir.resolve("replica-1.log"))).contains("replica 1 stopped");
        } finally {
            for (Process process : processes) {
                process.destroy(); // SIGTERM: exercises the clean shutdown hook
            }
            for (Process process : processes) {
                if (!process.waitFor(10, TimeUnit.SECONDS)) {
                    process.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
                }
            }
        }
    }

    private static Process startReplica(Path config, int id, File log) throws Exception {
        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        ProcessBuilder builder = new ProcessBuilder(java, "-Xmx256m", "-cp", System.getProperty("java.class.path"),
                PhalanxCommand.class.getName(), "replica", "--id", Integer.toString(id), "--config", config.toString());
        builder.redirectErrorStream(true).redirectOutput(log);
        return builder.start();
    }

    static CompletableFuture<Void> increments(Client client, int count, int inFlight, AtomicInteger completed,
                                              Set<Long> values) {
        CompletableFuture<Void> done = new CompletableFuture<>();
        AtomicInteger started = new AtomicInteger();
        Runnable[] next = new Runnable[1];
        next[0] = () -> {
            if (started.incrementAndGet() > count) {
                return;
            }
            client.invokeAsync(new KvOperation.Incr("shared", 1).encode()).whenComplete((bytes, error) -> {
                if (error != null) {
                    done.completeExceptionally(error);
                    return;
                }
                long value = counter(bytes);
                if (!values.add(value)) {
                    done.completeExceptionally(new AssertionError("value " + value + " returned twice"));
                }
                if (completed.incrementAndGet() == count) {
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

    private static long counter(Bytes bytes) {
        KvResult result = KvResult.decode(bytes);
        if (!(result instanceof KvResult.Counter c)) {
            throw new AssertionError("expected a counter, got " + result);
        }
        return c.value();
    }

    static void awaitTrue(String what, Duration timeout, java.util.function.BooleanSupplier condition)
            throws InterruptedException {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() > deadline) {
                throw new AssertionError("timed out waiting for " + what);
            }
            Thread.sleep(20);
        }
    }
}
