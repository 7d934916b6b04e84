package io.phalanx.cli;

import io.phalanx.kv.KeyValueService;
import io.phalanx.runtime.Client;
import io.phalanx.runtime.Replica;
import io.phalanx.runtime.ReplicaStatus;
import io.phalanx.runtime.config.ClusterConfig;
import io.phalanx.runtime.config.ClusterConfigLoader;
import io.phalanx.runtime.config.ClusterSection;
import io.phalanx.runtime.config.ConfigException;
import io.phalanx.runtime.config.Limits;
import io.phalanx.runtime.config.Mode;
import io.phalanx.runtime.config.ReplicaEntry;
import io.phalanx.runtime.config.Timeouts;
import io.phalanx.runtime.keys.Keygen;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.stream.Stream;

/**
 * The demo's cluster: throwaway keys from {@link Keygen} in a temporary directory, free ports
 * on 127.0.0.1, n replicas of the key-value service in this JVM over real TLS, and clients.
 * Closing it closes every replica and client and deletes the directory.
 */
final class DemoCluster implements AutoCloseable {
    /** Decisions each replica keeps for catch-up in the demo. */
    static final int DEMO_DECISION_LOG_MAX = 128;
    private final Path directory;
    private final ClusterConfig config;
    private final Replica[] replicas;
    private final List<Client> clients = new ArrayList<>();

    private DemoCluster(Path directory, ClusterConfig config) {
        this.directory = directory;
        this.config = config;
        this.replicas = new Replica[config.replicas().size()];
    }

    /** Generates keys and a config; starts nothing yet. */
    static DemoCluster create(int n, Integer f, Mode mode, int clientCount, long requestTimeoutMs, boolean signatures)
            throws IOException, ConfigException {
        Path directory = Files.createTempDirectory("phalanx-demo-");
        try {
            Keygen.Result keys = new Keygen(new SecureRandom())
                    .generate(new Keygen.Options(n, clientCount, directory, mode, f, "127.0.0.1", 7000), Instant.now());
            ClusterConfig generated = ClusterConfigLoader.load(keys.clusterFile());
            Set<Integer> taken = new HashSet<>();
            List<ReplicaEntry> entries = new ArrayList<>();
            for (ReplicaEntry r : generated.replicas()) {
                entries.add(new ReplicaEntry(r.id(), r.host(), freePort(taken), freePort(taken), r.certificate(),
                        new io.phalanx.runtime.config.AdminEndpoint(r.admin().host(), freePort(taken))));
            }
            Timeouts t = generated.timeouts();
            ClusterSection section = new ClusterSection(0, generated.cluster().mode(), generated.cluster().f(), signatures);
            Limits l = generated.limits();
            // A short decision log (a checkpoint every 64 decisions): the replica restarted from its
            // disk is further behind than its peers' logs reach, so the demo shows a state transfer.
            Limits limits = new Limits(l.frameBytesMax(), l.outboundQueueFramesMax(), l.outboundQueueBytesMax(),
                    DEMO_DECISION_LOG_MAX, l.clientsMax());
            ClusterConfig config = new ClusterConfig(section, entries, generated.clients(),
                    new Timeouts(requestTimeoutMs, t.connectMs(), t.handshakeMs(), 50, 1000, t.frameIncompleteMs()), generated.batch(),
                    limits, generated.durability()).validate();
            return new DemoCluster(directory, config);
        } catch (IOException | ConfigException | RuntimeException e) {
            deleteRecursively(directory);
            throw e;
        }
    }

    ClusterConfig config() {
        return config;
    }

    int size() {
        return replicas.length;
    }

    /**
     * Starts every replica, then waits until each has finished its first-start catch-up: a
     * replica that came up after clients made the others vote could not be told from one whose
     * disk was wiped, and would recover before voting (docs/PROTOCOL.md, "Restarts and recovery").
     */
    void startReplicas() throws IOException, ConfigException, InterruptedException {
        for (int i = 0; i < replicas.length; i++) {
            start(i);
        }
        long deadline = System.nanoTime() + READY_WAIT.toNanos();
        for (int i = 0; i < replicas.length; i++) {
            while (status(i).map(ReplicaStatus::recovering).orElse(true)) {
                if (System.nanoTime() > deadline) {
                    throw new IllegalStateException("replica " + i + " did not finish its first start within "
                            + READY_WAIT.toSeconds() + " s: its peers did not answer its state query");
                }
                Thread.sleep(10);
            }
        }
    }

    /** How long a new cluster's replicas may take to reach one another at start. */
    private static final Duration READY_WAIT = Duration.ofSeconds(30);

    /**
     * Starts replica {@code id} with a new service, as a restarted process starts: it resumes
     * from its data directory (the cluster's durability is sync) and catches up with its peers.
     */
    synchronized void start(int id) throws IOException, ConfigException {
        replicas[id] = Replica.builder().config(config).id(id).privateKey(key("replica-" + id))
                .dataDirectory(dataDirectory(id))
                .service(new KeyValueService()).start();
    }

    /** The status of replica {@code id}, if it runs. */
    synchronized Optional<ReplicaStatus> status(int id) {
        return Optional.ofNullable(replicas[id]).map(Replica::status);
    }

    synchronized Client client(long id, Duration callTimeout, int outstandingMax) throws IOException, ConfigException {
        Client client = Client.builder().config(config).id(id).privateKey(key("client-" + id))
                .callTimeout(callTimeout).outstandingMax(outstandingMax).build();
        clients.add(client);
        return client;
    }

    /** The private key file of {@code node} ({@code replica-ID} or {@code client-ID}). */
    Path key(String node) {
        return directory.resolve("keys").resolve(node + ".key");
    }

    /** Where replica {@code id} keeps its data. */
    Path dataDirectory(int id) {
        return directory.resolve("data").resolve("replica-" + id);
    }

    /** Status of every replica still running. */
    List<ReplicaStatus> live() {
        List<ReplicaStatus> out = new ArrayList<>();
        for (Replica replica : replicas) {
            if (replica != null) {
                out.add(replica.status());
            }
        }
        return out;
    }

    /** The most advanced live replica's view of things (highest regency, then most decided). */
    Optional<ReplicaStatus> front() {
        return live().stream().max(Comparator.comparingInt(ReplicaStatus::regency)
                .thenComparingLong(ReplicaStatus::lastDecided));
    }

    /** Closes replica {@code id}, as a crash looks to the others: its connections drop. */
    synchronized void crash(int id) {
        Replica replica = replicas[id];
        replicas[id] = null;
        if (replica != null) {
            replica.close();
        }
    }

    /** Idempotent; also called from the demo's shutdown hook on Ctrl-C, so the keys never outlive it. */
    @Override
    public synchronized void close() {
        clients.forEach(Client::close);
        for (int i = 0; i < replicas.length; i++) {
            crash(i);
        }
        deleteRecursively(directory);
    }

    static void deleteRecursively(Path root) {
        if (!Files.exists(root)) {
            return;
        }
        try (Stream<Path> paths = Files.walk(root)) {
            for (Path path : paths.sorted(Comparator.reverseOrder()).toList()) {
                Files.deleteIfExists(path);
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot delete " + root, e);
        }
    }

    /**
     * A port that is free now, below Linux's ephemeral range (32768 and up): a replica restarted
     * on its port must not find it taken by some outgoing connection's local end meanwhile.
     */
    private static int freePort(Set<Integer> taken) throws IOException {
        java.util.SplittableRandom random = new java.util.SplittableRandom();
        for (int attempt = 0; attempt < 1_000; attempt++) {
            int port = 20_000 + random.nextInt(12_000);
            if (taken.contains(port)) {
                continue;
            }
            try (ServerSocket socket = new ServerSocket()) {
                socket.bind(new InetSocketAddress("127.0.0.1", port));
                taken.add(port);
                return port;
            } catch (IOException busy) {
                // try another
            }
        }
        throw new IOException("no free port found in 20000..31999");
    }
}
