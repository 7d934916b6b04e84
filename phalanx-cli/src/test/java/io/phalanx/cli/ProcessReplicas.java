package io.phalanx.cli;

import io.phalanx.kv.KvOperation;
import io.phalanx.kv.KvResult;
import io.phalanx.runtime.Client;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A cluster of real {@code phalanx replica} processes for tests that kill (SIGKILL), pause
 * (SIGSTOP) and restart them, and read each replica's state from the status line it logs every
 * half second. Closing it stops every process it started.
 */
final class ProcessReplicas implements AutoCloseable {
    /** One status line: {@code status: replica 2 (follower of r1): regency 1, decided 812, ...}. */
    private static final Pattern STATUS = Pattern.compile(
            "status: replica (\\d+) \\((leader|follower of r\\d+)\\): regency (\\d+)( \\(changing\\))?, decided (-?\\d+), "
                    + "executed (-?\\d+), pending \\d+(.*)$");

    /** What a replica's latest status line says. */
    record Status(int id, int regency, boolean changing, long decided, String flags) {
        /**
         * Voting in its regency: not recovering, not transferring state, not in a leader change
         * (a voting replica may be a few hundred decisions behind for a moment under load).
         */
        boolean voting() {
            return !changing && !flags.contains("RECOVERING") && !flags.contains("STATE TRANSFER");
        }
    }

    final Path config;
    final Path dir;
    private final Process[] processes;
    private final Path[] logs;

    ProcessReplicas(Path dir, int replicas, long requestTimeoutMs) throws Exception {
        this(dir, replicas, requestTimeoutMs, "sync");
    }

    /** Replicas with durability {@code durability} ({@code none}, {@code async} or {@code sync}). */
    ProcessReplicas(Path dir, int replicas, long requestTimeoutMs, String durability) throws Exception {
        this(dir, replicas, requestTimeoutMs, durability, io.phalanx.runtime.config.Mode.BFT);
    }

    /** As above, in fault model {@code mode}. */
    ProcessReplicas(Path dir, int replicas, long requestTimeoutMs, String durability, io.phalanx.runtime.config.Mode mode)
            throws Exception {
        this(dir, LocalClusterDirectory.create(dir, replicas, 8, requestTimeoutMs, durability, mode), replicas, replicas);
    }

    private ProcessReplicas(Path dir, Path config, int replicas, int capacity) throws IOException {
        this.dir = dir;
        this.config = config;
        this.processes = new Process[capacity];
        this.logs = new Path[capacity];
        for (int id = 0; id < capacity; id++) {
            logs[id] = dir.resolve("replica-" + id + ".log");
        }
        for (int id = 0; id < replicas; id++) {
            start(id);
        }
    }

    /**
     * Replicas 0 to {@code replicas - 1} (BFT, durability sync) of a file whose administrator is
     * client 1008, with room for replicas up to id {@code capacity - 1} that join later
     * ({@link #start(int, String...)} with {@code --join}).
     */
    static ProcessReplicas withAdmin(Path dir, int replicas, int capacity, long requestTimeoutMs) throws Exception {
        return new ProcessReplicas(dir, LocalClusterDirectory.createWithAdmin(dir, replicas, 8, requestTimeoutMs),
                replicas, capacity);
    }

    int size() {
        return processes.length;
    }

    /** Starts replica {@code id} (again), appending to its log. */
    void start(int id) throws IOException {
        start(id, new String[0]);
    }

    /** Replica {@code id}'s data directory (the default, next to the cluster file). */
    Path dataDirectory(int id) {
        return config.toAbsolutePath().getParent().resolve("data").resolve("replica-" + id);
    }

    /** Starts replica {@code id} (again) with {@code extra} options, appending to its log. */
    void start(int id, String... extra) throws IOException {
        launch(id, List.of("--config", config.toString()), extra);
    }

    /**
     * Starts replica {@code id} as a machine without the cluster file would: its key and data
     * directory named, and {@code extra} (a join ticket, which carries the cluster file).
     */
    void startWithoutClusterFile(int id, String... extra) throws IOException {
        launch(id, List.of("--key", config.toAbsolutePath().getParent().resolve("keys/replica-" + id + ".key").toString(),
                "--data", dataDirectory(id).toString()), extra);
    }

    private void launch(int id, List<String> where, String... extra) throws IOException {
        List<String> args = new java.util.ArrayList<>(List.of("replica", "--id", Integer.toString(id),
                "--status-interval-ms", "300"));
        args.addAll(where);
        args.addAll(List.of(extra));
        processes[id] = phalanx(logs[id], args);
    }

    /** Starts {@code phalanx ARGS} in a JVM of its own, its output appended to {@code log}. */
    static Process phalanx(Path log, List<String> args) throws IOException {
        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        // The serial collector and the client compiler only: on a 2-core machine running four
        // replicas, their clients and the build, a restarted JVM then starts in a second or two
        // instead of competing with its peers for C2 compilation threads.
        ProcessBuilder builder = new ProcessBuilder(java, "-Xmx256m", "-XX:+UseSerialGC", "-XX:TieredStopAtLevel=1",
                "-cp", System.getProperty("java.class.path"), PhalanxCommand.class.getName());
        builder.command().addAll(args);
        builder.redirectErrorStream(true).redirectOutput(ProcessBuilder.Redirect.appendTo(log.toFile()));
        return builder.start();
    }

    /** SIGKILL, as a crash: no shutdown hook runs. */
    void kill(int id) throws InterruptedException {
        processes[id].destroyForcibly().waitFor(10, TimeUnit.SECONDS);
    }

    void pause(int id) throws Exception {
        signal("STOP", id);
    }

    void resume(int id) throws Exception {
        signal("CONT", id);
    }

    private void signal(String signal, int id) throws Exception {
        Process kill = new ProcessBuilder("kill", "-" + signal, Long.toString(processes[id].pid())).start();
        if (kill.waitFor() != 0) {
            throw new IllegalStateException("kill -" + signal + " " + processes[id].pid() + " failed");
        }
    }

    boolean alive(int id) {
        return processes[id] != null && processes[id].isAlive();
    }

    /** Waits for replica {@code id}'s process to end; its exit status. */
    int awaitExit(int id, Duration timeout) throws InterruptedException {
        if (!processes[id].waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
            throw new AssertionError("replica " + id + " still runs after " + timeout.toSeconds() + " s");
        }
        return processes[id].exitValue();
    }

    /** The log of replica {@code id} so far (all its runs). */
    String log(int id) throws IOException {
        return Files.exists(logs[id]) ? Files.readString(logs[id]) : "";
    }

    /** Replica {@code id}'s latest status line, or null before the first. */
    Status status(int id) throws IOException {
        Status latest = null;
        for (String line : log(id).split("\n")) {
            Matcher m = STATUS.matcher(line);
            if (m.find()) {
                latest = new Status(Integer.parseInt(m.group(1)), Integer.parseInt(m.group(3)), m.group(4) != null,
                        Long.parseLong(m.group(5)), m.group(7));
            }
        }
        return latest;
    }

    /** How many status lines replica {@code id} has logged so far (to wait for fresh ones). */
    int statusLines(int id) throws IOException {
        int count = 0;
        for (String line : log(id).split("\n")) {
            if (STATUS.matcher(line).find()) {
                count++;
            }
        }
        return count;
    }

    /** The highest regency any running replica reports. */
    int clusterRegency() throws IOException {
        int regency = 0;
        for (int id = 0; id < processes.length; id++) {
            Status s = status(id);
            if (s != null && alive(id)) {
                regency = Math.max(regency, s.regency());
            }
        }
        return regency;
    }

    /** Waits until replica {@code id} logs a status line after {@code sinceLines} of them. */
    void awaitStatus(int id, int sinceLines, Duration timeout) throws Exception {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (statusLines(id) <= sinceLines) {
            if (System.nanoTime() > deadline) {
                throw new AssertionError("replica " + id + " logged no status within " + timeout.toSeconds() + " s:\n"
                        + tail(log(id), 30));
            }
            Thread.sleep(100);
        }
    }

    /** The most any running replica other than {@code id} reports having decided. */
    long decidedByOthers(int id) throws IOException {
        long decided = -1;
        for (int other = 0; other < processes.length; other++) {
            Status s = status(other);
            if (other != id && s != null && alive(other)) {
                decided = Math.max(decided, s.decided());
            }
        }
        return decided;
    }

    /**
     * Waits until replica {@code id} logs, after {@code sinceLines} status lines, one that shows it
     * voting in the regency of the others, having decided at least what they had decided when the
     * wait began; returns how long that took.
     */
    Duration awaitVoting(int id, int sinceLines, Duration timeout) throws Exception {
        return awaitVoting(id, sinceLines, timeout, decidedByOthers(id));
    }

    /** As {@link #awaitVoting(int, int, Duration)}, having decided at least {@code target}. */
    Duration awaitVoting(int id, int sinceLines, Duration timeout, long target) throws Exception {
        long start = System.nanoTime();
        long deadline = start + timeout.toNanos();
        while (System.nanoTime() < deadline) {
            Status s = status(id);
            if (statusLines(id) > sinceLines && s != null && s.voting() && s.regency() >= clusterRegency()
                    && s.decided() >= target) {
                return Duration.ofNanos(System.nanoTime() - start);
            }
            Thread.sleep(100);
        }
        throw new AssertionError("replica " + id + " is not voting after " + timeout.toSeconds() + " s; last status: "
                + status(id) + "\n--- its log ends with:\n" + tail(log(id), 30) + "\n--- its threads:\n" + threads(id));
    }

    /** A thread dump of replica {@code id} (jcmd), for failure messages. */
    String threads(int id) {
        try {
            String jcmd = Path.of(System.getProperty("java.home"), "bin", "jcmd").toString();
            Process dump = new ProcessBuilder(jcmd, Long.toString(processes[id].pid()), "Thread.print")
                    .redirectErrorStream(true).start();
            String text = new String(dump.getInputStream().readAllBytes(), java.nio.charset.StandardCharsets.UTF_8);
            dump.waitFor(10, TimeUnit.SECONDS);
            return text;
        } catch (IOException | InterruptedException e) {
            return "(no thread dump: " + e + ")";
        }
    }

    static String tail(String text, int lines) {
        String[] all = text.split("\n");
        return String.join("\n", java.util.Arrays.asList(all).subList(Math.max(0, all.length - lines), all.length));
    }

    @Override
    public void close() {
        for (Process process : processes) {
            if (process != null) {
                process.destroyForcibly();
            }
        }
        for (Process process : processes) {
            try {
                if (process != null) {
                    process.waitFor(10, TimeUnit.SECONDS);
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return;
            }
        }
    }

    /**
     * Clients incrementing one counter, each with a few calls in flight and a short pause after
     * each completion (so the replicas are busy, not starved of CPU on a 2-core machine), until
     * closed; it counts the acknowledged increments and the calls that failed (whose outcome is
     * unknown), and records when the last call completed.
     */
    static final class Load implements AutoCloseable {
        final AtomicLong acknowledged = new AtomicLong();
        final AtomicLong failed = new AtomicLong();
        final AtomicLong lastSuccessNanos = new AtomicLong(System.nanoTime());
        final List<Throwable> failures = new ArrayList<>();
        private final AtomicBoolean running = new AtomicBoolean(true);
        private final List<Client> clients = new ArrayList<>();
        private final List<CompletableFuture<Void>> done = new ArrayList<>();
        private final java.util.concurrent.ScheduledExecutorService pacer =
                java.util.concurrent.Executors.newSingleThreadScheduledExecutor();
        private static final long PAUSE_MS = 5;
        final String key;

        Load(Path config, String key, int clients, int inFlight, Duration callTimeout) throws Exception {
            this(config, key, clients, inFlight, callTimeout, 1000);
        }

        /** Clients {@code firstId}, {@code firstId + 1}, ... (the cluster file lists ids 1000 to 1007). */
        Load(Path config, String key, int clients, int inFlight, Duration callTimeout, int firstId) throws Exception {
            this.key = key;
            for (int c = 0; c < clients; c++) {
                Client client = Client.builder().config(config).id(firstId + c).callTimeout(callTimeout).build();
                this.clients.add(client);
                for (int i = 0; i < inFlight; i++) {
                    CompletableFuture<Void> finished = new CompletableFuture<>();
                    done.add(finished);
                    next(client, finished);
                }
            }
        }

        private void next(Client client, CompletableFuture<Void> finished) {
            if (!running.get()) {
                finished.complete(null);
                return;
            }
            client.invokeAsync(new KvOperation.Incr(key, 1).encode()).whenComplete((bytes, error) -> {
                if (error == null) {
                    acknowledged.incrementAndGet();
                    lastSuccessNanos.set(System.nanoTime());
                } else {
                    failed.incrementAndGet();
                    synchronized (failures) {
                        failures.add(error);
                    }
                }
                try {
                    pacer.schedule(() -> next(client, finished), PAUSE_MS, TimeUnit.MILLISECONDS);
                } catch (java.util.concurrent.RejectedExecutionException closed) {
                    finished.complete(null);
                }
            });
        }

        /** Waits until {@code more} increments beyond the current count are acknowledged. */
        void awaitProgress(long more, Duration timeout) throws InterruptedException {
            long target = acknowledged.get() + more;
            long deadline = System.nanoTime() + timeout.toNanos();
            while (acknowledged.get() < target) {
                if (System.nanoTime() > deadline) {
                    throw new AssertionError("no progress: " + acknowledged.get() + " of " + target
                            + " increments acknowledged after " + timeout.toSeconds() + " s, " + failed.get() + " failed");
                }
                Thread.sleep(20);
            }
        }

        /** Waits until at least {@code count} calls have failed in all. */
        void awaitFailures(long count, Duration timeout) throws InterruptedException {
            long deadline = System.nanoTime() + timeout.toNanos();
            while (failed.get() < count) {
                if (System.nanoTime() > deadline) {
                    throw new AssertionError(failed.get() + " of " + count + " calls failed after " + timeout.toSeconds()
                            + " s; " + acknowledged.get() + " acknowledged");
                }
                Thread.sleep(20);
            }
        }

        /** The failures after the first {@code skip}, in the order they happened. */
        List<Throwable> failuresSince(int skip) {
            synchronized (failures) {
                return new ArrayList<>(failures.subList(Math.min(skip, failures.size()), failures.size()));
            }
        }

        /** Stops issuing calls and waits for those in flight. */
        void stop(Duration timeout) throws Exception {
            running.set(false);
            CompletableFuture.allOf(done.toArray(CompletableFuture[]::new)).get(timeout.toMillis(), TimeUnit.MILLISECONDS);
        }

        /** The counter as a quorum now reads it. */
        long counter() {
            KvResult result = KvResult.decode(clients.get(0).invoke(new KvOperation.Get(key).encode()));
            if (!(result instanceof KvResult.Value v)) {
                throw new AssertionError("expected a value, got " + result);
            }
            return v.value().map(Long::parseLong).orElse(0L);
        }

        @Override
        public void close() {
            running.set(false);
            pacer.shutdownNow();
            clients.forEach(Client::close);
        }
    }
}
