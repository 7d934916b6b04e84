package io.phalanx.bench.process;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.phalanx.runtime.CoreSettings;
import io.phalanx.runtime.config.BatchLimits;
import io.phalanx.runtime.config.Limits;
import io.phalanx.runtime.config.Mode;
import io.phalanx.runtime.keys.Keygen;

import java.io.File;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;

/**
 * A cluster of replica processes on 127.0.0.1, as users deploy them: each replica its own JVM
 * with a modest heap, running the no-op (or key-value) service; keys and a cluster file are
 * generated into the run's directory with free ports. Replicas can be killed (SIGKILL) and
 * restarted; {@link #close} stops whatever still runs, and so does a shutdown hook if this JVM
 * exits first (Ctrl-C, SIGTERM), so no replica outlives the benchmark that started it.
 *
 * <p>Replicas and the load generator are {@code phalanx replica} and {@code phalanx bench load}
 * processes: the {@code phalanx} command's main class, given to {@link #create}, run on this
 * JVM's class path (the {@code phalanx} jar, or a test's class path). A replica may run another
 * command that takes the same {@code --id} and {@code --config} ({@link #replicaCommand}, e.g.
 * {@code phalanx orderer}), and other processes of the run ({@link #startHelper}, e.g.
 * {@code phalanx frontend}) are stopped with the replicas.
 */
public final class ProcessCluster implements AutoCloseable {
    static final int CLIENTS = 8;
    /** Beyond a phase's own length: the generator's start, connecting, and its last calls finishing. */
    private static final int LOAD_GRACE_SECONDS = 90;
    private static final int STOP_GRACE_SECONDS = 5;

    private final String phalanxMainClass;
    private final Path directory;
    private final Path clusterFile;
    private final int n;
    private final int basePort;
    private final String heap;
    private final List<String> replicaArgs;
    private final Process[] replicas;
    /** Processes of the run other than the replicas ({@link #startHelper}), stopped with them. */
    private final List<Process> helpers = new ArrayList<>();
    /** Stops every process if this JVM exits before {@link #close}; removed by it. */
    private final Thread stopOnExit;
    /** The {@code phalanx} subcommand each replica runs. */
    private String replicaCommand = "replica";
    /** How often each replica was started, for the name of its GC log; none are written while null. */
    private int[] starts;

    private ProcessCluster(String phalanxMainClass, Path directory, Path clusterFile, int n, int capacity, int basePort,
                           String heap, List<String> replicaArgs) {
        this.phalanxMainClass = phalanxMainClass;
        this.directory = directory;
        this.clusterFile = clusterFile;
        this.n = n;
        this.basePort = basePort;
        this.heap = heap;
        this.replicaArgs = replicaArgs;
        this.replicas = new Process[capacity];
        this.stopOnExit = new Thread(this::stopAll, "phalanx-bench-stop-processes");
        Runtime.getRuntime().addShutdownHook(stopOnExit);
    }

    /**
     * Generates keys for n replicas and {@link #CLIENTS} clients into {@code directory}; with a
     * {@code decisionLogMax}, the cluster file keeps that many decisions for catch-up. The
     * processes run {@code phalanxMainClass}, the {@code phalanx} command's main class.
     *
     * @param phalanxMainClass the {@code phalanx} command's main class
     * @param directory        where keys, the cluster file, data and logs go; created if missing
     * @param n                the number of replicas
     * @param f                faults tolerated, or null for the most the mode allows
     * @param mode             the fault model
     * @param heap             each replica JVM's heap, e.g. {@code 256m}
     * @param replicaArgs      extra arguments for every {@code phalanx replica}
     * @param decisionLogMax   decisions kept for catch-up, or null for the default
     * @return the cluster, not started
     * @throws Exception if the keys or the cluster file cannot be written
     */
    public static ProcessCluster create(String phalanxMainClass, Path directory, int n, Integer f, Mode mode,
                                        String heap, List<String> replicaArgs, Integer decisionLogMax)
            throws Exception {
        Files.createDirectories(directory);
        int basePort = freeBasePort(n);
        Keygen.Result keys = new Keygen(new SecureRandom()).generate(
                new Keygen.Options(n, CLIENTS, directory, mode, f, "127.0.0.1", basePort), Instant.now());
        if (decisionLogMax != null) {
            String yaml = Files.readString(keys.clusterFile());
            if (!yaml.contains("\nlimits:\n")) {
                throw new IllegalStateException("generated cluster file has no limits section");
            }
            Files.writeString(keys.clusterFile(), yaml.replace("\nlimits:\n",
                    "\nlimits:\n  decisionLogMax: " + decisionLogMax + "\n"));
        }
        return new ProcessCluster(phalanxMainClass, directory, keys.clusterFile(), n, n, basePort, heap,
                List.copyOf(replicaArgs));
    }

    /**
     * As {@link #create}, BFT with the most f the mode allows, with an administrator (client
     * {@link #adminId()}, named under {@code cluster.admin}) who may change the view, and room for
     * replicas that join later, up to id {@code capacity - 1} ({@link #start(int, List)} with
     * {@code --join}); replica {@code id} of those listens at ports base + id, base + 100 + id and
     * base + 200 + id ({@link #basePort()}).
     *
     * @param phalanxMainClass the {@code phalanx} command's main class
     * @param directory        where keys, the cluster file, data and logs go; created if missing
     * @param n                the replicas of the file
     * @param capacity         the most replicas ever running
     * @param heap             each replica JVM's heap
     * @param replicaArgs      extra arguments for every {@code phalanx replica}
     * @return the cluster, not started
     * @throws Exception if the keys or the cluster file cannot be written
     */
    public static ProcessCluster createWithAdmin(String phalanxMainClass, Path directory, int n, int capacity,
                                                 String heap, List<String> replicaArgs) throws Exception {
        Files.createDirectories(directory);
        int basePort = freeBasePort(capacity);
        Keygen.Result keys = new Keygen(new SecureRandom()).generate(
                new Keygen.Options(n, CLIENTS, directory, Mode.BFT, null, "127.0.0.1", basePort, true), Instant.now());
        return new ProcessCluster(phalanxMainClass, directory, keys.clusterFile(), n, capacity, basePort, heap,
                List.copyOf(replicaArgs));
    }

    /**
     * The administrator's client id, with {@link #createWithAdmin}: the one after the others.
     *
     * @return the id
     */
    public static long adminId() {
        return Keygen.CLIENT_ID_FIRST + CLIENTS;
    }

    /**
     * The first mesh port: replica {@code id} listens at base + id (mesh), base + 100 + id (clients)
     * and base + 200 + id (admin).
     *
     * @return the base port
     */
    public int basePort() {
        return basePort;
    }

    /**
     * Sets {@code batch.pipelineMax} in the cluster file, and lowers {@code batch.bytesMax} where
     * needed so that the largest SYNC still fits in a frame (the benchmark's batches are far
     * smaller anyway: 400 requests of at most 1 KiB); before {@link #startAll}.
     *
     * @param pipelineMax consensus instances the leader keeps open at once
     * @throws IOException if the cluster file cannot be read or written
     */
    public void pipelineMax(int pipelineMax) throws IOException {
        String yaml = Files.readString(clusterFile);
        long bytesMax = Math.min(BatchLimits.defaults().bytesMax(),
                CoreSettings.batchBytesFitting(n, pipelineMax, Limits.defaults().frameBytesMax()));
        String patched = yaml.replaceFirst("(?m)^  pipelineMax: \\d+$", "  pipelineMax: " + pipelineMax)
                .replaceFirst("(?m)^  bytesMax: \\d+$", "  bytesMax: " + bytesMax);
        if (!patched.contains("  pipelineMax: " + pipelineMax + "\n") || !patched.contains("  bytesMax: " + bytesMax + "\n")) {
            throw new IllegalStateException("generated cluster file has no batch.pipelineMax or batch.bytesMax");
        }
        Files.writeString(clusterFile, patched);
    }

    /**
     * Runs each replica as {@code phalanx COMMAND --id ID --config FILE} instead of
     * {@code phalanx replica ...}; before {@link #startAll}.
     *
     * @param command a subcommand that takes {@code --id} and {@code --config} and serves the
     *                replica's client port, e.g. {@code orderer}
     */
    public void replicaCommand(String command) {
        this.replicaCommand = java.util.Objects.requireNonNull(command, "command");
    }

    /**
     * Sets {@code durability.mode} in the cluster file; before {@link #startAll}.
     *
     * @param mode {@code none}, {@code async} or {@code sync}
     * @throws IOException if the cluster file cannot be read or written
     */
    public void durability(String mode) throws IOException {
        String yaml = Files.readString(clusterFile);
        String patched = yaml.replaceFirst("(?m)^  mode: (none|async|sync)\\b", "  mode: " + mode);
        if (!patched.contains("  mode: " + mode)) {
            throw new IllegalStateException("generated cluster file has no durability.mode");
        }
        Files.writeString(clusterFile, patched);
    }

    /**
     * Makes every replica JVM started from now on log its garbage collections (JDK unified
     * logging, {@code gc} and {@code gc+init}, with uptime) to a file of its own, see
     * {@link #gcLog}; before {@link #startAll}. Cheap: one line per collection.
     */
    public void gcLogs() {
        starts = new int[replicas.length];
    }

    /**
     * The GC log of replica {@code id}'s latest start ({@link #gcLogs}).
     *
     * @param id the replica
     * @return the log file, one per start
     * @throws IllegalStateException if the replica was not started with a GC log
     */
    public Path gcLog(int id) {
        if (starts == null || starts[id] == 0) {
            throw new IllegalStateException("replica " + id + " was not started with a GC log");
        }
        return directory.resolve("gc-replica-" + id + "-" + starts[id] + ".log");
    }

    /**
     * Replica {@code id}'s output (its log), appended to by each of its starts.
     *
     * @param id the replica
     * @return the log file
     */
    public Path logFile(int id) {
        return directory.resolve("replica-" + id + ".log");
    }

    /**
     * Replica {@code id}'s data directory: the default, {@code data/replica-ID} next to the cluster file.
     *
     * @param id the replica
     * @return the directory
     */
    public Path dataDirectory(int id) {
        return clusterFile.toAbsolutePath().getParent().resolve("data").resolve("replica-" + id);
    }

    /**
     * The process of replica {@code id}, if it runs.
     *
     * @param id the replica
     * @return the live process, or empty
     */
    public java.util.Optional<Process> process(int id) {
        return java.util.Optional.ofNullable(replicas[id]).filter(Process::isAlive);
    }

    /**
     * The generated cluster file.
     *
     * @return its path in the run's directory
     */
    public Path clusterFile() {
        return clusterFile;
    }

    int size() {
        return n;
    }

    /**
     * Client ids the generated file lists, each with its key at {@code keys/client-ID.key} next to
     * the cluster file.
     *
     * @return the ids, {@value #CLIENTS} of them
     */
    public static List<Long> clientIds() {
        List<Long> ids = new ArrayList<>();
        for (int i = 0; i < CLIENTS; i++) {
            ids.add(Keygen.CLIENT_ID_FIRST + i);
        }
        return ids;
    }

    /**
     * Starts every replica of a new cluster and waits until each is ready (see {@link #startAll(java.util.function.IntFunction)}).
     *
     * @throws IOException if a process cannot be started or a replica is not ready within 90 s
     * @throws InterruptedException if interrupted while waiting
     */
    public void startAll() throws IOException, InterruptedException {
        startAll(id -> List.of());
    }

    /**
     * Starts every replica of a new cluster with {@code extra.apply(id)} after the usual arguments
     * and waits until each listens on its client port and its status page says it is not
     * recovering, as an operator starts a cluster before its clients: a replica that came up
     * after clients had made the others vote could not be told from one whose disk was wiped,
     * and would recover before voting (docs/PROTOCOL.md, "Restarts and recovery").
     *
     * @param extra each replica's own arguments, by id
     * @throws IOException if a process cannot be started or a replica is not ready within 90 s
     * @throws InterruptedException if interrupted while waiting
     */
    public void startAll(java.util.function.IntFunction<List<String>> extra) throws IOException, InterruptedException {
        for (int id = 0; id < n; id++) {
            start(id, extra.apply(id));
        }
        for (int id = 0; id < n; id++) {
            awaitListening(basePort + Keygen.CLIENT_PORT_OFFSET + id, "replica " + id + "'s client port");
        }
        for (int id = 0; id < n; id++) {
            awaitNotRecovering(id);
        }
    }

    /**
     * Waits until replica {@code id}'s status page ({@code /status} on its admin port) says it is
     * not recovering, for at most 90 s.
     *
     * @param id the replica
     * @throws IOException if it still recovers, or its page cannot be read, after 90 s
     * @throws InterruptedException if interrupted while waiting
     */
    public void awaitNotRecovering(int id) throws IOException, InterruptedException {
        URI status = URI.create("http://127.0.0.1:" + (basePort + Keygen.ADMIN_PORT_OFFSET + id) + "/status");
        HttpClient http = HttpClient.newBuilder()
                .connectTimeout(Duration.ofSeconds(2)).build();
        ObjectMapper json = new ObjectMapper();
        long deadline = System.nanoTime() + 90_000_000_000L;
        String last = "no answer";
        while (System.nanoTime() < deadline) {
            try {
                HttpResponse<String> page = http.send(HttpRequest.newBuilder(status)
                        .timeout(Duration.ofSeconds(2)).build(), HttpResponse.BodyHandlers.ofString());
                if (page.statusCode() == 200 && !json.readTree(page.body()).path("recovering").asBoolean(true)) {
                    return;
                }
                last = "HTTP " + page.statusCode() + (page.statusCode() == 200 ? ", recovering" : "");
            } catch (IOException e) {
                last = e.toString();
            }
            Thread.sleep(200);
        }
        throw new IOException("replica " + id + " was not ready within 90 s (" + status + ": " + last + ")");
    }

    /**
     * Starts {@code phalanx ARGS} as another process of the run (e.g. a {@code phalanx frontend}),
     * with {@code heap} like the replicas, its output to {@code NAME.log} in the run's directory;
     * it is stopped with the replicas.
     *
     * @param name names its log file
     * @param args the {@code phalanx} command line
     * @return the process
     * @throws IOException if the process cannot be started
     */
    public Process startHelper(String name, List<String> args) throws IOException {
        List<String> command = new ArrayList<>(List.of(javaExecutable(), "-Xmx" + heap, "-Xms" + heap, "-cp",
                System.getProperty("java.class.path"), phalanxMainClass));
        command.addAll(args);
        Process process = new ProcessBuilder(command).redirectErrorStream(true)
                .redirectOutput(ProcessBuilder.Redirect.appendTo(directory.resolve(name + ".log").toFile())).start();
        synchronized (helpers) {
            helpers.add(process);
        }
        return process;
    }

    /**
     * Starts replica {@code id}'s process without waiting for it, its output appended to {@link #logFile}.
     *
     * @param id the replica
     * @throws IOException if the process cannot be started
     */
    public void start(int id) throws IOException {
        start(id, List.of());
    }

    /**
     * Starts replica {@code id}'s process with {@code extra} arguments after the usual ones (e.g.
     * {@code --join TICKET}), without waiting for it.
     *
     * @param id    the replica
     * @param extra more arguments for {@code phalanx replica}
     * @throws IOException if the process cannot be started
     */
    public void start(int id, List<String> extra) throws IOException {
        List<String> command = new ArrayList<>(List.of(javaExecutable(), "-Xmx" + heap, "-Xms" + heap));
        if (starts != null) {
            starts[id]++;
            command.add("-Xlog:gc,gc+init:file=" + gcLog(id) + ":uptime");
        }
        command.addAll(List.of("-cp", System.getProperty("java.class.path"), phalanxMainClass,
                replicaCommand, "--id", Integer.toString(id), "--config", clusterFile.toString()));
        command.addAll(replicaArgs);
        command.addAll(extra);
        replicas[id] = new ProcessBuilder(command)
                .redirectErrorStream(true)
                .redirectOutput(ProcessBuilder.Redirect.appendTo(logFile(id).toFile()))
                .start();
    }

    /**
     * SIGKILL: the replica gets no chance to say goodbye. Returns once the process is gone.
     *
     * @param id the replica; nothing happens if it does not run
     * @throws InterruptedException if interrupted while waiting for the process to end
     */
    public void kill(int id) throws InterruptedException {
        Process process = replicas[id];
        if (process != null) {
            process.destroyForcibly().waitFor();
            replicas[id] = null;
        }
    }

    /**
     * The leader of the highest regency any replica's log reports installing (replica 0, which
     * leads regency 0, before any leader change).
     *
     * @return the leader's replica id
     * @throws IOException if a log cannot be read
     */
    public int currentLeader() throws IOException {
        java.util.regex.Pattern installed = java.util.regex.Pattern.compile("regency (\\d+) installed, leader is now r(\\d+)");
        int regency = 0;
        int leader = 0;
        for (int id = 0; id < replicas.length; id++) {
            Path log = logFile(id);
            if (!Files.exists(log)) {
                continue;
            }
            java.util.regex.Matcher m = installed.matcher(Files.readString(log));
            while (m.find()) {
                if (Integer.parseInt(m.group(1)) > regency) {
                    regency = Integer.parseInt(m.group(1));
                    leader = Integer.parseInt(m.group(2));
                }
            }
        }
        return leader;
    }

    /**
     * SIGSTOP (pause) or SIGCONT (resume): the replica keeps its memory but does nothing meanwhile.
     *
     * @param id     the replica, which must be running
     * @param signal the signal's name for {@code kill}, e.g. {@code STOP} or {@code CONT}
     * @throws Exception if {@code kill} cannot be run or fails
     */
    public void signal(int id, String signal) throws Exception {
        Process process = replicas[id];
        if (process == null) {
            throw new IllegalStateException("replica " + id + " is not running");
        }
        Process kill = new ProcessBuilder("kill", "-" + signal, Long.toString(process.pid())).start();
        if (kill.waitFor() != 0) {
            throw new IllegalStateException("kill -" + signal + " " + process.pid() + " failed");
        }
    }

    /**
     * Starts the load generator as its own process, running {@code phases} in order; phase
     * {@code p} writes to {@code out/p.name()}. Wait for each with {@link #awaitPhase}.
     *
     * @param out          the run's output folder; the generator's own log goes to {@code load.log} there
     * @param requestBytes the size of every operation
     * @param phases       the phases, in order
     * @return the generator's process
     * @throws IOException if the folder cannot be created or the process started
     */
    public Process startLoad(Path out, int requestBytes, List<LoadPhase> phases) throws IOException {
        String ids = String.join(",", clientIds().stream().map(String::valueOf).toList());
        Files.createDirectories(out);
        List<String> command = new ArrayList<>(List.of(javaExecutable(), "-Xmx512m", "-cp",
                System.getProperty("java.class.path"), phalanxMainClass, "bench", "load",
                "--config", clusterFile.toString(), "--ids", ids, "--request-bytes", Integer.toString(requestBytes),
                "--out", out.toString()));
        for (LoadPhase phase : phases) {
            command.add("--phase");
            command.add(phase.spec());
        }
        return new ProcessBuilder(command).redirectErrorStream(true).redirectOutput(out.resolve("load.log").toFile())
                .start();
    }

    /**
     * Waits until the load generator has finished {@code phase} (its {@code done} file appears)
     * and returns what it measured. Call it for the phases in order: the wait allows the phase's
     * own length plus a grace period, counted from the call.
     *
     * @param load  the generator's process
     * @param out   the run's output folder
     * @param phase the phase to wait for
     * @return what the phase measured
     * @throws InterruptedException if interrupted while waiting
     * @throws IOException if the generator exited or timed out before finishing the phase, or its results cannot be read
     */
    public static LoadResult awaitPhase(Process load, Path out, LoadPhase phase)
            throws InterruptedException, IOException {
        Path dir = out.resolve(phase.name());
        long deadline = System.nanoTime() + (phase.seconds() + LOAD_GRACE_SECONDS) * 1_000_000_000L;
        while (!Files.exists(dir.resolve("done"))) {
            if (!load.isAlive()) {
                // It may have written the file just before exiting.
                if (Files.exists(dir.resolve("done"))) {
                    break;
                }
                throw new IOException("the load generator exited (" + load.exitValue() + ") before finishing phase "
                        + phase.name() + "; see " + out.resolve("load.log"));
            }
            if (System.nanoTime() > deadline) {
                load.destroyForcibly();
                throw new IOException("the load generator did not finish phase " + phase.name() + "; see "
                        + out.resolve("load.log"));
            }
            Thread.sleep(100);
        }
        return LoadResult.read(dir);
    }

    /**
     * Waits for the load generator to exit after its last phase.
     *
     * @param load the generator's process
     * @param out  the run's output folder, named in failure messages
     * @throws InterruptedException if interrupted while waiting
     * @throws IOException if the generator does not exit in time (it is then killed) or exits with an error
     */
    public static void awaitExit(Process load, Path out) throws InterruptedException, IOException {
        if (!load.waitFor(LOAD_GRACE_SECONDS, java.util.concurrent.TimeUnit.SECONDS)) {
            load.destroyForcibly();
            throw new IOException("the load generator did not exit after its last phase; see " + out.resolve("load.log"));
        }
        if (load.exitValue() != 0) {
            throw new IOException("the load generator failed (exit " + load.exitValue() + "); see "
                    + out.resolve("load.log"));
        }
    }

    /**
     * Stops every replica and helper that still runs as an operator would (SIGTERM, all at once),
     * so each logs its closing line (last decided, fsyncs); one still running after
     * {@value #STOP_GRACE_SECONDS} s is killed.
     */
    @Override
    public void close() throws InterruptedException {
        stopAll();
        try {
            Runtime.getRuntime().removeShutdownHook(stopOnExit);
        } catch (IllegalStateException exiting) {
            // the JVM is exiting: the hook runs (again), harmlessly
        }
    }

    private synchronized void stopAll() {
        List<Process> all = new ArrayList<>();
        synchronized (helpers) {
            all.addAll(helpers);
            helpers.clear();
        }
        for (int id = 0; id < replicas.length; id++) {
            if (replicas[id] != null) {
                all.add(replicas[id]);
                replicas[id] = null;
            }
        }
        all.forEach(Process::destroy);
        long deadline = System.nanoTime() + java.util.concurrent.TimeUnit.SECONDS.toNanos(STOP_GRACE_SECONDS);
        boolean interrupted = false;
        for (Process process : all) {
            try {
                process.waitFor(Math.max(0, deadline - System.nanoTime()), java.util.concurrent.TimeUnit.NANOSECONDS);
            } catch (InterruptedException e) {
                interrupted = true;
            }
            process.destroyForcibly();
        }
        for (Process process : all) {
            try {
                process.onExit().get(STOP_GRACE_SECONDS, java.util.concurrent.TimeUnit.SECONDS);
            } catch (InterruptedException e) {
                interrupted = true;
            } catch (java.util.concurrent.ExecutionException | java.util.concurrent.TimeoutException e) {
                // SIGKILL sent; the kernel reaps it
            }
        }
        if (interrupted) {
            Thread.currentThread().interrupt();
        }
    }

    private static String javaExecutable() {
        return Path.of(System.getProperty("java.home"), "bin", "java").toString();
    }

    /**
     * A base port p such that p..p+n-1 and p+100..p+100+n-1 are free now, below Linux's ephemeral
     * range (32768 and up), so a restarted replica never finds its port taken by the local end of
     * some outgoing connection.
     */
    private static int freeBasePort(int n) {
        SplittableRandom random = new SplittableRandom();
        for (int attempt = 0; attempt < 100; attempt++) {
            int base = 20_000 + random.nextInt(12_000);
            if (allFree(base, n) && allFree(base + Keygen.CLIENT_PORT_OFFSET, n)
                    && allFree(base + Keygen.ADMIN_PORT_OFFSET, n)) {
                return base;
            }
        }
        throw new IllegalStateException("no free port range found");
    }

    private static boolean allFree(int first, int count) {
        for (int port = first; port < first + count; port++) {
            try (ServerSocket socket = new ServerSocket()) {
                socket.bind(new InetSocketAddress("127.0.0.1", port));
            } catch (IOException e) {
                return false;
            }
        }
        return true;
    }

    /**
     * Waits until something listens on {@code port} of 127.0.0.1, for at most 90 s (six JVMs starting at once on two cores take tens of seconds).
     *
     * @param port the port
     * @param what what should listen there, for the error message
     * @throws IOException if the port does not open within 90 s
     * @throws InterruptedException if interrupted while waiting
     */
    public static void awaitListening(int port, String what) throws InterruptedException, IOException {
        long deadline = System.nanoTime() + 90_000_000_000L;
        while (System.nanoTime() < deadline) {
            try (Socket socket = new Socket()) {
                socket.connect(new InetSocketAddress("127.0.0.1", port), 500);
                return;
            } catch (IOException e) {
                Thread.sleep(200);
            }
        }
        throw new IOException(what + " (127.0.0.1:" + port + ") did not open within 90 s");
    }

    /**
     * Deletes a file or a directory tree, if it exists (a previous run's directory).
     *
     * @param path the file or directory
     * @throws UncheckedIOException if the tree cannot be walked
     */
    public static void deleteQuietly(Path path) {
        if (!Files.exists(path)) {
            return;
        }
        try (var walk = Files.walk(path)) {
            walk.sorted(java.util.Comparator.reverseOrder()).map(Path::toFile).forEach(File::delete);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
