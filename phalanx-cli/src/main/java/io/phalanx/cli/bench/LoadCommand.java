package io.phalanx.cli.bench;

import io.phalanx.core.message.Bytes;
import io.phalanx.runtime.Client;
import org.HdrHistogram.Histogram;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

import java.io.PrintWriter;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;

/**
 * {@code phalanx bench load}: the load generator process that {@code bench throughput} and
 * {@code bench timeline} start. Closed loop: {@code --outstanding} operations are always in
 * flight, spread over the given client ids; each completion starts the next operation. Writes
 * per-second completion counts ({@code samples.csv}, flushed every second), the latencies of
 * the measured window as an HdrHistogram ({@code latency.hgrm}, base64) and the failures.
 */
@Command(name = "load", hidden = true, mixinStandardHelpOptions = true,
        description = "Closed-loop load generator used by the other bench commands.")
public final class LoadCommand implements Callable<Integer> {
    @Option(names = "--config", required = true)
    Path config;
    @Option(names = "--ids", required = true, split = ",", description = "Client ids to use (their keys next to the config).")
    List<Long> ids;
    @Option(names = "--outstanding", required = true)
    int outstanding;
    @Option(names = "--request-bytes", defaultValue = "0")
    int requestBytes;
    @Option(names = "--warmup-s", defaultValue = "5")
    int warmupSeconds;
    @Option(names = "--duration-s", defaultValue = "10")
    int durationSeconds;
    @Option(names = "--out", required = true)
    Path out;

    @Override
    public Integer call() throws Exception {
        Files.createDirectories(out);
        int clientCount = Math.min(outstanding, ids.size());
        List<Client> clients = new ArrayList<>();
        Histogram latencyMicros = new Histogram(60_000_000L, 3);
        AtomicLong completed = new AtomicLong();
        AtomicLong failed = new AtomicLong();
        AtomicBoolean running = new AtomicBoolean(true);
        AtomicBoolean measuring = new AtomicBoolean(false);
        Bytes operation = Bytes.copyOf(new byte[requestBytes]);
        try {
            for (int i = 0; i < clientCount; i++) {
                int share = outstanding / clientCount + (i < outstanding % clientCount ? 1 : 0);
                clients.add(Client.builder().config(config).id(ids.get(i)).outstandingMax(Math.max(1, share))
                        .callTimeout(Duration.ofSeconds(60)).build());
                for (int slot = 0; slot < share; slot++) {
                    next(clients.get(i), operation, running, measuring, latencyMicros, completed, failed);
                }
            }
            try (PrintWriter samples = new PrintWriter(Files.newBufferedWriter(out.resolve("samples.csv")))) {
                samples.println("second,ops,measured");
                long previous = 0;
                for (int second = 1; second <= warmupSeconds + durationSeconds; second++) {
                    Thread.sleep(1_000);
                    measuring.set(second >= warmupSeconds);
                    long now = completed.get();
                    samples.println(second + "," + (now - previous) + "," + (second > warmupSeconds ? 1 : 0));
                    samples.flush();
                    previous = now;
                }
            }
            running.set(false);
            measuring.set(false);
            synchronized (latencyMicros) {
                ByteBuffer buffer = ByteBuffer.allocate(latencyMicros.getNeededByteBufferCapacity());
                int length = latencyMicros.encodeIntoCompressedByteBuffer(buffer);
                Files.writeString(out.resolve("latency.hgrm"), Base64.getEncoder().encodeToString(
                        java.util.Arrays.copyOf(buffer.array(), length)));
            }
            Files.writeString(out.resolve("failures.txt"), Long.toString(failed.get()));
        } finally {
            clients.forEach(Client::close);
        }
        return 0;
    }

    private static void next(Client client, Bytes operation, AtomicBoolean running, AtomicBoolean measuring,
                             Histogram latencyMicros, AtomicLong completed, AtomicLong failed) {
        if (!running.get()) {
            return;
        }
        long start = System.nanoTime();
        client.invokeAsync(operation).whenComplete((result, error) -> {
            if (error != null) {
                if (running.get()) {
                    failed.incrementAndGet();
                }
            } else {
                completed.incrementAndGet();
                if (measuring.get()) {
                    long micros = Math.max(1, (System.nanoTime() - start) / 1_000);
                    synchronized (latencyMicros) {
                        latencyMicros.recordValue(Math.min(micros, latencyMicros.getHighestTrackableValue()));
                    }
                }
            }
            next(client, operation, running, measuring, latencyMicros, completed, failed);
        });
    }
}
