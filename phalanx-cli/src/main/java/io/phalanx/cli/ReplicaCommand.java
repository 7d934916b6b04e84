package io.phalanx.cli;

import io.phalanx.kv.KeyValueService;
import io.phalanx.kv.RocksKeyValueService;
import io.phalanx.runtime.Replica;
import io.phalanx.runtime.config.ConfigException;
import io.phalanx.runtime.transport.NetworkThreads;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.Callable;

/**
 * {@code phalanx replica}: runs one replica of the key-value service until the process is
 * stopped (SIGTERM or Ctrl-C close it cleanly through a shutdown hook) or the replica stops
 * itself: after a failure (exit 1) or once the administrator removed it from the view (exit 0).
 */
@Command(name = "replica", mixinStandardHelpOptions = true,
        description = {"Run one replica of the replicated key-value service until killed.",
                "",
                "Listens on the ports the cluster file gives replica ID and connects to the",
                "other replicas over mutual TLS 1.3. SIGTERM / Ctrl-C stop it cleanly; logs",
                "go to stderr. Exit status 1 if it stopped itself after an internal failure; 0",
                "when stopped, or when it stopped itself because the administrator removed it",
                "from the view."})
public final class ReplicaCommand implements Callable<Integer> {
    private static final org.slf4j.Logger log = org.slf4j.LoggerFactory.getLogger(ReplicaCommand.class);

    @Option(names = "--id", required = true, description = "This replica's id in the cluster file.")
    int id;

    @Option(names = "--config", description = {"The cluster file (e.g. from `phalanx keygen`). A replica that joined",
            "may go without it: with --data, --key and --join TICKET (or the ticket kept in --data) it uses the",
            "cluster file the ticket carries."})
    Path config;

    @Option(names = "--key", description = "Private key (default: keys/replica-ID.key next to the cluster file; "
            + "required without --config).")
    Path key;

    @Option(names = "--next-key", description = {"The next private key of a key rotation (phalanx view replace), its",
            "certificate beside it (.crt for .key); read at start and whenever a view names a key the replica does",
            "not hold (default: replica-ID.next.key beside the private key)."})
    Path nextKey;

    @Option(names = "--service", defaultValue = "kv", description = {
            "The replicated service: kv (the key-value map in memory, default), kv-rocksdb (the same",
            "map in RocksDB under the data directory, for states larger than memory) or noop",
            "(answers every operation with --reply-bytes zero bytes; what `phalanx bench` measures)."})
    String service;

    @Option(names = "--reply-bytes", defaultValue = "0", description = "Reply size of the noop service (default: 0).")
    int replyBytes;

    @Option(names = "--io-threads", defaultValue = "" + Replica.IO_THREADS_DEFAULT, description = "Network threads for the mesh, the client port"
            + " and the protocol together (default: ${DEFAULT-VALUE}; the protocol runs on one of them).")
    int ioThreads;

    @Option(names = "--data", description = {
            "This replica's data directory (default: data/replica-ID next to the cluster file): its",
            "log and checkpoints (durability in the cluster file). With durability sync a restarted",
            "replica votes again at once; otherwise it recovers from its peers before it votes."})
    Path data;

    @Option(names = "--repair-from-peers", description = {
            "If the log in the data directory is damaged in the middle (a bad record with intact",
            "data after it), drop it from there on and fetch the rest from the peers instead of",
            "refusing to start. The replica recovers before it votes, as after a lost disk."})
    boolean repairFromPeers;

    @Option(names = "--join", paramLabel = "TICKET", description = {
            "Join a running cluster with the ticket `phalanx view add` wrote: start in the view that",
            "added this replica (its address and certificate come from the ticket, every other",
            "setting from the cluster file: --config, or else the one the ticket carries) and fetch",
            "the state from the peers before voting. The ticket is kept in the data directory, so",
            "later starts need not name it again."})
    Path join;

    @Option(names = "--status-interval-ms", defaultValue = "10000", description = {
            "How often the replica logs its status line: role, regency, decided and executed,",
            "and whether it is recovering, catching up (how far behind) or transferring state",
            "(default: ${DEFAULT-VALUE}; 0: never)."})
    long statusIntervalMs;

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Override
    public Integer call() throws Exception {
        if (config == null && (data == null || key == null)) {
            throw new CommandLine.ParameterException(spec.commandLine(), "--config is required, unless --data and --key"
                    + " are given with a join ticket (--join TICKET, or the one a joined replica keeps in --data)");
        }
        io.phalanx.core.service.Service chosen = switch (service) {
            case "kv" -> new KeyValueService();
            case "kv-rocksdb" -> openRocks();
            case "noop" -> new io.phalanx.bench.NoopService(replyBytes);
            default -> throw new CommandLine.ParameterException(spec.commandLine(),
                    "--service must be kv, kv-rocksdb or noop, got '" + service + "'");
        };
        try {
            return serve(chosen);
        } finally {
            if (chosen instanceof AutoCloseable closeable) {
                closeable.close();
            }
        }
    }

    /**
     * The RocksDB key-value map, in {@code kv-rocksdb} under the data directory, emptied first:
     * the replica's state is its checkpoint and log, which the replica restores into it at start
     * (streaming the checkpoint), so what RocksDB flushed before a crash is never trusted.
     */
    private RocksKeyValueService openRocks() throws IOException {
        Path dir = (data != null ? data : config.toAbsolutePath().getParent().resolve("data").resolve("replica-" + id))
                .resolve("kv-rocksdb");
        if (Files.exists(dir)) {
            try (var paths = Files.walk(dir)) {
                for (Path path : paths.sorted(java.util.Comparator.reverseOrder()).toList()) {
                    Files.delete(path);
                }
            }
        }
        Files.createDirectories(dir);
        return RocksKeyValueService.open(dir);
    }

    private int serve(io.phalanx.core.service.Service chosen) throws Exception {
        if (statusIntervalMs < 0) {
            throw new CommandLine.ParameterException(spec.commandLine(), "--status-interval-ms must be >= 0");
        }
        if (ioThreads < 1) {
            throw new CommandLine.ParameterException(spec.commandLine(), "--io-threads must be at least 1");
        }
        try (NetworkThreads threads = NetworkThreads.start("replica " + id + " io", ioThreads)) {
            Replica.Builder builder = Replica.builder().id(id).service(chosen).networkThreads(threads);
            if (config != null) {
                builder.config(config);
            }
            return run(builder);
        }
    }

    private int run(Replica.Builder builder) throws InterruptedException {
        if (key != null) {
            builder.privateKey(key);
        }
        if (nextKey != null) {
            builder.nextKey(nextKey);
        }
        if (data != null) {
            builder.dataDirectory(data);
        }
        builder.repairFromPeers(repairFromPeers);
        if (join != null) {
            builder.join(join);
        }
        Replica replica;
        try {
            replica = builder.start();
        } catch (ConfigException e) {
            throw new CommandLine.ParameterException(spec.commandLine(), e.getMessage());
        } catch (IOException e) {
            spec.commandLine().getErr().println("phalanx replica: " + e.getMessage());
            return 1;
        }
        Thread hook = new Thread(replica::close, "phalanx-replica-" + id + "-shutdown");
        Runtime.getRuntime().addShutdownHook(hook);
        Duration wait = statusIntervalMs > 0 ? Duration.ofMillis(statusIntervalMs) : Duration.ofSeconds(1);
        while (!replica.awaitClosed(wait)) {
            // Runs until a signal closes it (the hook), or it stops itself: on a failure, or
            // removed from the view by the administrator.
            if (statusIntervalMs > 0) {
                log.info("status: {}", replica.status().summary());
            }
        }
        try {
            Runtime.getRuntime().removeShutdownHook(hook);
        } catch (IllegalStateException shuttingDown) {
            // the hook closed it
        }
        if (replica.failure().isPresent()) {
            spec.commandLine().getErr().println("phalanx replica: stopped after a failure: " + replica.failure().get());
            return 1;
        }
        return 0;
    }
}
