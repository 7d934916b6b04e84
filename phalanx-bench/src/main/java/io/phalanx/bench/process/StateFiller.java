package io.phalanx.bench.process;

import io.phalanx.core.message.Bytes;
import io.phalanx.kv.KvOperation;
import io.phalanx.kv.KvResult;
import io.phalanx.runtime.Client;
import io.phalanx.runtime.transport.NetworkThreads;

import java.io.PrintStream;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Objects;
import java.util.Optional;
import java.util.SplittableRandom;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Supplier;

/**
 * Fills a key-value cluster with a state of a given size: distinct keys ({@code state-00000000},
 * ...) whose values hold {@code valueBytes} random characters each (the service stores strings;
 * the characters are of a 64-letter alphabet, one byte each in UTF-8 and on the replicas' heaps),
 * written by closed-loop clients with {@code outstanding} puts in flight over all of them. The
 * values add up to exactly the state size (the last one is shorter if need be). Progress goes to
 * a stream every {@link #PROGRESS_INTERVAL}, since a large fill takes minutes.
 */
public final class StateFiller {
    private static final Duration CALL_TIMEOUT = Duration.ofSeconds(60);
    private static final Duration PROGRESS_INTERVAL = Duration.ofSeconds(2);
    private static final Duration CONNECT_TIMEOUT = Duration.ofSeconds(60);
    /** Network threads the clients share, as in {@link LoadGenerator}. */
    private static final int NETWORK_THREADS = 2;
    private static final char[] ALPHABET =
            "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_".toCharArray();

    private final Path config;
    private final List<Long> ids;
    private final int replicas;
    private final int outstanding;
    private final PrintStream progress;

    /**
     * What a fill did.
     *
     * @param keys         keys written
     * @param bytes        value bytes written
     * @param seconds      how long it took, from when every client was connected
     * @param failures     puts that failed, and a stop for trouble
     * @param firstFailure what went wrong first, or null
     */
    public record Result(long keys, long bytes, double seconds, long failures, String firstFailure) {
    }

    /**
     * Clients {@code ids} of cluster file {@code config}, which lists {@code replicas} replicas,
     * with {@code outstanding} puts in flight over all of them.
     *
     * @param config      the cluster file; the clients' keys are next to it
     * @param replicas    how many replicas the file lists
     * @param ids         the client ids to use, at least one
     * @param outstanding puts in flight over all clients, at least 1
     * @param progress    where progress lines go
     * @throws IllegalArgumentException if there is no client or no put in flight
     */
    public StateFiller(Path config, int replicas, List<Long> ids, int outstanding, PrintStream progress) {
        this.config = Objects.requireNonNull(config, "config");
        this.replicas = replicas;
        this.ids = List.copyOf(ids);
        this.outstanding = outstanding;
        this.progress = Objects.requireNonNull(progress, "progress");
        if (this.ids.isEmpty() || outstanding < 1) {
            throw new IllegalArgumentException("a fill needs at least one client and one put in flight");
        }
    }

    /**
     * The number of keys that hold {@code stateBytes} in values of {@code valueBytes}.
     *
     * @param stateBytes the state's size
     * @param valueBytes the size of every value but the last
     * @return {@code stateBytes / valueBytes}, rounded up
     */
    public static long keysFor(long stateBytes, int valueBytes) {
        return (stateBytes + valueBytes - 1) / valueBytes;
    }

    /** The key of value {@code index}. */
    static String key(long index) {
        return String.format(Locale.ROOT, "state-%08d", index);
    }

    /** Value {@code index}: {@code length} characters drawn from a generator seeded with the index. */
    static String value(long index, int length) {
        SplittableRandom random = new SplittableRandom(index);
        char[] chars = new char[length];
        for (int i = 0; i < length; i++) {
            chars[i] = ALPHABET[random.nextInt(ALPHABET.length)];
        }
        return new String(chars);
    }

    /** Shared by the slots of one fill. */
    private static final class Fill {
        final long keys;
        final long stateBytes;
        final int valueBytes;
        final AtomicLong next = new AtomicLong();
        final AtomicLong bytesDone = new AtomicLong();
        final AtomicLong failures = new AtomicLong();
        final AtomicReference<String> firstFailure = new AtomicReference<>();

        Fill(long stateBytes, int valueBytes) {
            this.keys = keysFor(stateBytes, valueBytes);
            this.stateBytes = stateBytes;
            this.valueBytes = valueBytes;
        }

        int length(long index) {
            return (int) Math.min(valueBytes, stateBytes - index * valueBytes);
        }

        void failed(String why) {
            failures.incrementAndGet();
            firstFailure.compareAndSet(null, why);
        }
    }

    /**
     * Writes {@code stateBytes} of values of {@code valueBytes}; returns once every put has
     * completed. The time counts from when every client is connected to every replica. Every
     * {@link #PROGRESS_INTERVAL} it asks {@code trouble} whether the cluster is still fit to
     * measure; if not, it starts no more puts, and the result counts the reason as a failure.
     *
     * @param stateBytes the state's size
     * @param valueBytes the size of every value but the last
     * @param trouble    why the cluster is no longer fit to measure, or empty while it is
     * @return what the fill did
     * @throws Exception if a client cannot be built or connect in time
     */
    public Result fill(long stateBytes, int valueBytes, Supplier<Optional<String>> trouble) throws Exception {
        Fill fill = new Fill(stateBytes, valueBytes);
        int clientCount = Math.min(outstanding, ids.size());
        try (NetworkThreads threads = NetworkThreads.start("fill", NETWORK_THREADS)) {
            List<Client> clients = new ArrayList<>();
            try {
                for (int i = 0; i < clientCount; i++) {
                    clients.add(Client.builder().config(config).id(ids.get(i)).outstandingMax(share(i, clientCount))
                            .callTimeout(CALL_TIMEOUT).networkThreads(threads).build());
                }
                awaitConnected(clients);
                long start = System.nanoTime();
                List<CompletableFuture<Void>> slots = new ArrayList<>();
                for (int i = 0; i < clientCount; i++) {
                    for (int s = 0; s < share(i, clientCount); s++) {
                        CompletableFuture<Void> slot = new CompletableFuture<>();
                        slots.add(slot);
                        next(clients.get(i), fill, slot);
                    }
                }
                CompletableFuture<Void> all = CompletableFuture.allOf(slots.toArray(CompletableFuture[]::new));
                while (!all.isDone()) {
                    try {
                        all.get(PROGRESS_INTERVAL.toMillis(), TimeUnit.MILLISECONDS);
                    } catch (java.util.concurrent.TimeoutException stillRunning) {
                        report(fill, start);
                        Optional<String> why = trouble.get();
                        if (why.isPresent()) {
                            // No more puts; those in flight fail when the clients close below.
                            fill.next.set(fill.keys);
                            fill.failed("fill stopped: " + why.get());
                            break;
                        }
                    }
                }
                report(fill, start);
                return new Result(fill.keys, fill.bytesDone.get(), (System.nanoTime() - start) / 1e9,
                        fill.failures.get(), fill.firstFailure.get());
            } finally {
                clients.forEach(Client::close);
            }
        }
    }

    /** Client {@code i}'s part of the puts in flight. */
    private int share(int i, int clientCount) {
        return outstanding / clientCount + (i < outstanding % clientCount ? 1 : 0);
    }

    /** Waits until every client is connected to every replica (a fresh cluster takes seconds to accept them). */
    private void awaitConnected(List<Client> clients) throws Exception {
        long deadline = System.nanoTime() + CONNECT_TIMEOUT.toNanos();
        for (Client client : clients) {
            while (client.stats().connectedReplicas().size() < replicas) {
                if (System.nanoTime() > deadline) {
                    throw new java.io.IOException("client " + client.id() + " is connected to "
                            + client.stats().connectedReplicas() + " only, after " + CONNECT_TIMEOUT.toSeconds() + " s");
                }
                Thread.sleep(50);
            }
        }
    }

    /** Starts the next put of one slot; the slot completes when no key is left. Runs on a network thread. */
    private static void next(Client client, Fill fill, CompletableFuture<Void> slot) {
        long index = fill.next.getAndIncrement();
        if (index >= fill.keys) {
            slot.complete(null);
            return;
        }
        int length = fill.length(index);
        Bytes put = new KvOperation.Put(key(index), value(index, length)).encode();
        client.invokeAsync(put).whenComplete((reply, error) -> {
            if (error != null) {
                fill.failed("put of " + key(index) + ": " + error);
            } else if (KvResult.decode(reply) instanceof KvResult.Error e) {
                fill.failed("put of " + key(index) + ": " + e.message());
            } else {
                fill.bytesDone.addAndGet(length);
            }
            next(client, fill, slot);
        });
    }

    private void report(Fill fill, long startNanos) {
        double seconds = Math.max(1e-3, (System.nanoTime() - startNanos) / 1e9);
        long done = fill.bytesDone.get();
        progress.printf(Locale.ROOT, "fill: %s of %s (%.0f %%), %.2f MiB/s, %d failed%n", ByteSize.mib(done),
                ByteSize.mib(fill.stateBytes), 100.0 * done / Math.max(1, fill.stateBytes), done / seconds / (1 << 20),
                fill.failures.get());
        progress.flush();
    }
}
