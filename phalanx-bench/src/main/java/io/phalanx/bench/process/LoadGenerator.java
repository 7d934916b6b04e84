package io.phalanx.bench.process;

import io.phalanx.core.message.Bytes;
import io.phalanx.runtime.Client;
import io.phalanx.runtime.transport.NetworkThreads;
import org.HdrHistogram.Histogram;

import java.io.PrintWriter;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The closed-loop load generator that {@code phalanx bench load} runs in its own process
 * ({@link ProcessCluster#startLoad}). During a phase, its {@code outstanding} operations are
 * always in flight, spread over the given client ids; each completion starts the next
 * operation. Phases ({@link LoadPhase}) run one after another in this one JVM, so later phases
 * find its hot paths compiled and its connections up: a fresh JVM per client count would
 * measure the load generator's own warm-up. Between phases the previous phase's operations are
 * allowed to finish first.
 *
 * <p>Each phase writes, in its own folder, the per-second completion counts ({@code samples.csv},
 * flushed every second, with the machine's CPU steal time of that second, see {@link CpuSteal}),
 * the latencies of its measured window as an HdrHistogram ({@code latency.hgrm}, base64), its
 * failures, and last an empty {@code done} file; {@link LoadResult#read} reads them back.
 */
public final class LoadGenerator {
    /** How long a phase's operations may take to finish after it ends (the call timeout). */
    private static final Duration CALL_TIMEOUT = Duration.ofSeconds(60);
    /** Network threads all clients share: two each would be sixteen threads waking up for replies. */
    private static final int NETWORK_THREADS = 2;

    private final Path config;
    private final List<Long> ids;
    private final int requestBytes;
    private final Path out;

    /**
     * Clients {@code ids} of the cluster file {@code config} (their keys next to it) send
     * operations of {@code requestBytes} zero bytes; each phase's results go to {@code out/NAME}.
     *
     * @param config       the cluster file; the clients' keys are next to it
     * @param ids          the client ids to use
     * @param requestBytes the size of every operation
     * @param out          the run's output folder
     */
    public LoadGenerator(Path config, List<Long> ids, int requestBytes, Path out) {
        this.config = Objects.requireNonNull(config, "config");
        this.ids = List.copyOf(ids);
        this.requestBytes = requestBytes;
        this.out = Objects.requireNonNull(out, "out");
    }

    /** The state of the running phase that its operations report to. */
    private static final class PhaseState {
        final Histogram latencyMicros = new Histogram(60_000_000L, 3);
        final AtomicLong completed = new AtomicLong();
        final AtomicLong failed = new AtomicLong();
        final AtomicInteger inFlight = new AtomicInteger();
        final AtomicBoolean running = new AtomicBoolean(true);
        final AtomicBoolean measuring = new AtomicBoolean(false);
    }

    /**
     * Runs {@code phases} in order; returns when the last one has written its {@code done} file.
     *
     * @param phases the phases, in order
     * @throws Exception if a client cannot be built or a result cannot be written
     */
    public void run(List<LoadPhase> phases) throws Exception {
        int outstandingMax = LoadPhase.outstandingMax(phases);
        int clientCount = Math.min(outstandingMax, ids.size());
        List<Client> clients = new ArrayList<>();
        Bytes operation = Bytes.copyOf(new byte[requestBytes]);
        try (NetworkThreads threads = NetworkThreads.start("load", NETWORK_THREADS)) {
            try {
                for (int i = 0; i < clientCount; i++) {
                    int share = outstandingMax / clientCount + (i < outstandingMax % clientCount ? 1 : 0);
                    clients.add(Client.builder().config(config).id(ids.get(i)).outstandingMax(Math.max(1, share))
                            .callTimeout(CALL_TIMEOUT).networkThreads(threads).build());
                }
                for (LoadPhase phase : phases) {
                    run(phase, clients, operation);
                }
            } finally {
                clients.forEach(Client::close);
            }
        }
    }

    private void run(LoadPhase phase, List<Client> clients, Bytes operation) throws Exception {
        Path dir = out.resolve(phase.name());
        Files.createDirectories(dir);
        PhaseState state = new PhaseState();
        for (int slot = 0; slot < phase.outstanding(); slot++) {
            next(clients.get(slot % clients.size()), operation, state);
        }
        try (PrintWriter samples = new PrintWriter(Files.newBufferedWriter(dir.resolve("samples.csv")))) {
            samples.println("second,ops,measured,steal_pct");
            CpuSteal steal = new CpuSteal();
            steal.sincePrevious();
            long previous = 0;
            long startNanos = System.nanoTime();
            for (int second = 1; second <= phase.seconds(); second++) {
                // Against the start, not the previous wake-up: a late wake-up must not stretch the run.
                long sleepNanos = startNanos + second * 1_000_000_000L - System.nanoTime();
                if (sleepNanos > 0) {
                    Thread.sleep(sleepNanos / 1_000_000, (int) (sleepNanos % 1_000_000));
                }
                state.measuring.set(second >= phase.warmupSeconds());
                long now = state.completed.get();
                samples.println(second + "," + (now - previous) + "," + (second > phase.warmupSeconds() ? 1 : 0) + ","
                        + CpuSteal.csvCell(steal.sincePrevious().orElse(Double.NaN)));
                samples.flush();
                previous = now;
            }
        }
        state.measuring.set(false);
        state.running.set(false);
        long drainUntil = System.nanoTime() + CALL_TIMEOUT.toNanos() + 5_000_000_000L;
        while (state.inFlight.get() > 0 && System.nanoTime() < drainUntil) {
            Thread.sleep(5);
        }
        synchronized (state.latencyMicros) {
            ByteBuffer buffer = ByteBuffer.allocate(state.latencyMicros.getNeededByteBufferCapacity());
            int length = state.latencyMicros.encodeIntoCompressedByteBuffer(buffer);
            Files.writeString(dir.resolve("latency.hgrm"), Base64.getEncoder().encodeToString(
                    java.util.Arrays.copyOf(buffer.array(), length)));
        }
        Files.writeString(dir.resolve("failures.txt"), Long.toString(state.failed.get()));
        Files.writeString(dir.resolve("done"), "");
    }

    private static void next(Client client, Bytes operation, PhaseState state) {
        if (!state.running.get()) {
            return;
        }
        state.inFlight.incrementAndGet();
        long start = System.nanoTime();
        client.invokeAsync(operation).whenComplete((result, error) -> {
            state.inFlight.decrementAndGet();
            if (error != null) {
                if (state.running.get()) {
                    state.failed.incrementAndGet();
                }
            } else {
                state.completed.incrementAndGet();
                if (state.measuring.get()) {
                    long micros = Math.max(1, (System.nanoTime() - start) / 1_000);
                    synchronized (state.latencyMicros) {
                        state.latencyMicros.recordValue(Math.min(micros, state.latencyMicros.getHighestTrackableValue()));
                    }
                }
            }
            next(client, operation, state);
        });
    }
}
