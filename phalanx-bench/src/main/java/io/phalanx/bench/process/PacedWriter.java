package io.phalanx.bench.process;

import io.phalanx.kv.KvOperation;
import io.phalanx.kv.KvResult;
import io.phalanx.runtime.Client;

import java.nio.file.Path;
import java.time.Duration;
import java.util.Arrays;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;

/**
 * A light, open-loop write load: one client starting one increment of a counter every
 * {@code 1 / opsPerSecond} seconds, whatever the replies do (at most {@link #IN_FLIGHT_MAX} open;
 * a tick that finds that many waiting is counted as skipped), so a cluster that stalls shows as
 * missing completions rather than as a slower offered rate. It records when each write was
 * acknowledged (wall clock, milliseconds), to count what the cluster served in a window.
 */
public final class PacedWriter implements AutoCloseable {
    /** Writes open at once; beyond it a tick is skipped. */
    static final int IN_FLIGHT_MAX = 64;
    /** Completion times kept: at 100 writes a second, almost three hours' worth. */
    static final int COMPLETIONS_MAX = 1 << 20;
    private static final Duration CALL_TIMEOUT = Duration.ofSeconds(30);
    private static final String KEY = "bench-paced";

    private final Client client;
    private final ScheduledExecutorService pacer =
            Executors.newSingleThreadScheduledExecutor(r -> new Thread(r, "paced-writer"));
    private final AtomicInteger inFlight = new AtomicInteger();
    private final AtomicLong skipped = new AtomicLong();
    private final AtomicLong failures = new AtomicLong();
    private final AtomicReference<String> firstFailure = new AtomicReference<>();
    private final long[] completedAtMs = new long[COMPLETIONS_MAX];
    private int completions;

    private PacedWriter(Client client) {
        this.client = client;
    }

    /**
     * Starts writing through client {@code id} of {@code config}, {@code opsPerSecond} writes a second.
     *
     * @param config       the cluster file; the client's key is next to it
     * @param id           the client id
     * @param opsPerSecond writes started per second, at least 1
     * @return the running writer, to close when done
     * @throws Exception if the client cannot be built
     */
    public static PacedWriter start(Path config, long id, int opsPerSecond) throws Exception {
        if (opsPerSecond < 1) {
            throw new IllegalArgumentException("opsPerSecond must be >= 1, got " + opsPerSecond);
        }
        PacedWriter writer = new PacedWriter(Client.builder().config(config).id(id).outstandingMax(IN_FLIGHT_MAX)
                .callTimeout(CALL_TIMEOUT).build());
        long periodNanos = 1_000_000_000L / opsPerSecond;
        writer.pacer.scheduleAtFixedRate(writer::tick, periodNanos, periodNanos, TimeUnit.NANOSECONDS);
        return writer;
    }

    private void tick() {
        if (inFlight.incrementAndGet() > IN_FLIGHT_MAX) {
            inFlight.decrementAndGet();
            skipped.incrementAndGet();
            return;
        }
        client.invokeAsync(new KvOperation.Incr(KEY, 1).encode()).whenComplete((reply, error) -> {
            inFlight.decrementAndGet();
            if (error != null) {
                failed(error.toString());
            } else if (KvResult.decode(reply) instanceof KvResult.Error e) {
                failed(e.message());
            } else {
                completed(System.currentTimeMillis());
            }
        });
    }

    private void failed(String why) {
        failures.incrementAndGet();
        firstFailure.compareAndSet(null, why);
    }

    private synchronized void completed(long atMs) {
        if (completions < COMPLETIONS_MAX) {
            completedAtMs[completions++] = atMs;
        }
    }

    /**
     * Writes acknowledged in a window.
     *
     * @param fromMs the window's start, wall clock in milliseconds, included
     * @param toMs   the window's end, excluded
     * @return how many acknowledgements fell in {@code [fromMs, toMs)}
     */
    public synchronized long completedBetween(long fromMs, long toMs) {
        return Arrays.stream(completedAtMs, 0, completions).filter(t -> t >= fromMs && t < toMs).count();
    }

    /**
     * Every acknowledgement time so far.
     *
     * @return wall-clock milliseconds, in order
     */
    public synchronized long[] completionTimes() {
        return Arrays.copyOf(completedAtMs, completions);
    }

    /**
     * Writes that failed: an exception, or an error result from the service.
     *
     * @return how many failed so far
     */
    public long failures() {
        return failures.get();
    }

    /**
     * What went wrong first.
     *
     * @return the first failure's description, or null if none failed
     */
    public String firstFailure() {
        return firstFailure.get();
    }

    /**
     * Ticks that found {@link #IN_FLIGHT_MAX} writes still open.
     *
     * @return how many ticks were skipped
     */
    public long skipped() {
        return skipped.get();
    }

    /**
     * Stops starting writes and waits up to {@code timeout} for those in flight.
     *
     * @param timeout how long to wait for the writes in flight
     * @throws InterruptedException if interrupted while waiting
     */
    public void stop(Duration timeout) throws InterruptedException {
        pacer.shutdownNow();
        pacer.awaitTermination(5, TimeUnit.SECONDS);
        long deadline = System.nanoTime() + timeout.toNanos();
        while (inFlight.get() > 0 && System.nanoTime() < deadline) {
            Thread.sleep(10);
        }
    }

    @Override
    public void close() {
        pacer.shutdownNow();
        client.close();
    }
}
