package io.phalanx.runtime;

import io.phalanx.core.message.Bytes;
import io.phalanx.kv.KeyValueService;
import io.phalanx.kv.KvOperation;
import io.phalanx.kv.KvResult;
import io.phalanx.runtime.config.BatchLimits;
import io.phalanx.runtime.config.ClientEntry;
import io.phalanx.runtime.config.ClusterConfig;
import io.phalanx.runtime.config.ClusterSection;
import io.phalanx.runtime.config.ConfigException;
import io.phalanx.runtime.config.Limits;
import io.phalanx.runtime.config.Mode;
import io.phalanx.runtime.config.ReplicaEntry;
import io.phalanx.runtime.config.Timeouts;
import io.phalanx.runtime.keys.Certificates;
import io.phalanx.runtime.keys.NodeIdentity;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.security.SecureRandom;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.BooleanSupplier;

/**
 * n in-JVM replicas of the key-value service over real TLS on 127.0.0.1 with fresh keys and
 * free ports, and the clients to talk to them. Closing it closes everything it started.
 */
public final class LocalCluster implements AutoCloseable {
    static final Certificates CERTIFICATES = new Certificates(new SecureRandom());
    /** Short request timer so a leader change takes under two seconds. */
    static final Timeouts FAST = new Timeouts(700, 1000, 2000, 20, 200);
    /**
     * Several instances open, so the runtime tests exercise pipelining; 256 KiB batches, so the
     * largest SYNC of up to 10 replicas still fits in the default frame.
     */
    static final BatchLimits PIPELINED = new BatchLimits(BatchLimits.defaults().requestsMax(), 256 * 1024, 4);

    final ClusterConfig config;
    final List<NodeIdentity> replicaIdentities = new ArrayList<>();
    final Map<Long, NodeIdentity> clientIdentities = new LinkedHashMap<>();
    final Replica[] replicas;
    private final List<Client> clients = new ArrayList<>();
    /** Replicas started with a join ticket, not in the config; closed with the cluster. */
    private final List<Replica> joiners = new ArrayList<>();
    /** Network threads every replica and client of this cluster shares, or null: each has its own. */
    private io.phalanx.runtime.transport.NetworkThreads shared;

    /** The administrator's client id ({@code cluster.admin}), or {@link ClusterSection#NO_ADMIN}. */
    long adminId() {
        return config.cluster().admin();
    }

    /** The replicas' data directories, deleted on close. */
    final java.nio.file.Path dataRoot;

    private LocalCluster(ClusterConfig config, int n) {
        this.config = config;
        this.replicas = new Replica[n];
        try {
            this.dataRoot = java.nio.file.Files.createTempDirectory("phalanx-local-cluster");
        } catch (IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }

    static LocalCluster start(int n, int f, int clientCount, boolean clientSignatures) throws Exception {
        return start(n, f, clientCount, clientSignatures, java.util.Set.of());
    }

    /** Every replica and client runs on {@code threads} (the caller closes them after the cluster). */
    static LocalCluster startOn(io.phalanx.runtime.transport.NetworkThreads threads, int n, int f, int clientCount)
            throws Exception {
        LocalCluster cluster = start(n, f, clientCount, false, java.util.stream.IntStream.range(0, n).boxed()
                .collect(java.util.stream.Collectors.toSet()));
        cluster.shared = threads;
        try {
            for (int i = 0; i < n; i++) {
                cluster.startReplica(i);
            }
        } catch (Exception | Error e) {
            cluster.close();
            throw e;
        }
        return cluster;
    }

    /** Like {@link #start(int, int, int, boolean)} but leaves the replicas in {@code notStarted} to the test. */
    static LocalCluster start(int n, int f, int clientCount, boolean clientSignatures, java.util.Set<Integer> notStarted)
            throws Exception {
        return start(n, f, clientCount, clientSignatures, notStarted, io.phalanx.runtime.config.Durability.defaults());
    }

    /** Like {@link #start(int, int, int, boolean, java.util.Set)}, the replicas keeping what {@code durability} says. */
    static LocalCluster start(int n, int f, int clientCount, boolean clientSignatures, java.util.Set<Integer> notStarted,
                              io.phalanx.runtime.config.Durability durability) throws Exception {
        return start(n, f, clientCount, clientSignatures, notStarted, durability, false, Limits.defaults(), 0, Mode.BFT);
    }

    /** n replicas, all started, keeping what {@code durability} says, within {@code limits} (a short decision log, say). */
    static LocalCluster start(int n, int f, int clientCount, io.phalanx.runtime.config.Durability durability,
                              Limits limits) throws Exception {
        return start(n, f, clientCount, false, java.util.Set.of(), durability, false, limits, 0, Mode.BFT);
    }

    /** n replicas, all started, whose cluster file names view {@code viewId}. */
    static LocalCluster startInView(long viewId, int n, int f, int clientCount) throws Exception {
        return start(n, f, clientCount, false, java.util.Set.of(), io.phalanx.runtime.config.Durability.defaults(), false,
                Limits.defaults(), viewId, Mode.BFT);
    }

    /** n crash-tolerant (CFT) replicas, all started, keeping what {@code durability} says. */
    static LocalCluster startCft(int n, int f, int clientCount, io.phalanx.runtime.config.Durability durability)
            throws Exception {
        return start(n, f, clientCount, false, java.util.Set.of(), durability, false, Limits.defaults(), 0, Mode.CFT);
    }

    /** n replicas, all started, each serving its admin port (/metrics, /status) on a free port of 127.0.0.1. */
    static LocalCluster startWithAdminPorts(int n, int f, int clientCount) throws Exception {
        return start(n, f, clientCount, false, java.util.Set.of(), io.phalanx.runtime.config.Durability.defaults(), true,
                Limits.defaults(), 0, Mode.BFT);
    }

    /**
     * n BFT replicas, all started, with clients 1000.. and one more client, {@link #adminId}, named as
     * the administrator ({@code cluster.admin}); clients sign their requests, as BFT requires then.
     */
    static LocalCluster startWithAdmin(int n, int f, int clientCount) throws Exception {
        return start(n, f, clientCount, true, java.util.Set.of(), io.phalanx.runtime.config.Durability.defaults(), false,
                Limits.defaults(), 0, Mode.BFT, true);
    }

    private static LocalCluster start(int n, int f, int clientCount, boolean clientSignatures,
                                      java.util.Set<Integer> notStarted, io.phalanx.runtime.config.Durability durability,
                                      boolean adminPorts, Limits limits, long viewId, Mode mode) throws Exception {
        return start(n, f, clientCount, clientSignatures, notStarted, durability, adminPorts, limits, viewId, mode, false);
    }

    private static LocalCluster start(int n, int f, int clientCount, boolean clientSignatures,
                                      java.util.Set<Integer> notStarted, io.phalanx.runtime.config.Durability durability,
                                      boolean adminPorts, Limits limits, long viewId, Mode mode, boolean withAdmin)
            throws Exception {
        java.util.Set<Integer> ports = new java.util.HashSet<>();
        List<NodeIdentity> replicaIds = new ArrayList<>();
        List<ReplicaEntry> entries = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            NodeIdentity identity = CERTIFICATES.generate("replica-" + i, Instant.now());
            replicaIds.add(identity);
            ReplicaEntry entry = new ReplicaEntry(i, "127.0.0.1", freePort(ports), freePort(ports), identity.certificate());
            entries.add(adminPorts ? entry.withAdmin(new io.phalanx.runtime.config.AdminEndpoint("127.0.0.1",
                    freePort(ports))) : entry);
        }
        Map<Long, NodeIdentity> clientIds = new LinkedHashMap<>();
        List<ClientEntry> clientEntries = new ArrayList<>();
        for (int j = 0; j < clientCount + (withAdmin ? 1 : 0); j++) {
            long id = 1000 + j;
            NodeIdentity identity = CERTIFICATES.generate("client-" + id, Instant.now());
            clientIds.put(id, identity);
            clientEntries.add(new ClientEntry(id, identity.certificate()));
        }
        long admin = withAdmin ? 1000 + clientCount : ClusterSection.NO_ADMIN;
        ClusterConfig config = new ClusterConfig(new ClusterSection(viewId, mode, f, clientSignatures, admin), entries,
                clientEntries, FAST, PIPELINED, limits, durability).validate();
        LocalCluster cluster = new LocalCluster(config, n);
        cluster.replicaIdentities.addAll(replicaIds);
        cluster.clientIdentities.putAll(clientIds);
        try {
            for (int i = 0; i < n; i++) {
                if (!notStarted.contains(i)) {
                    cluster.startReplica(i);
                }
            }
            if (notStarted.isEmpty()) {
                // Started, as an operator starts a cluster, before any client: every replica of a
                // new cluster votes once its first-start catch-up found the others had not begun.
                for (Replica replica : cluster.replicas) {
                    await("replica " + replica.id() + " ready", Duration.ofSeconds(30),
                            () -> !replica.status().recovering());
                }
            }
        } catch (Exception | Error e) {
            cluster.close();
            throw e;
        }
        return cluster;
    }

    Replica startReplica(int id) throws IOException, ConfigException {
        return startReplica(id, new KeyValueService());
    }

    Replica startReplica(int id, io.phalanx.core.service.Service service) throws IOException, ConfigException {
        return startReplica(id, service, builder -> builder);
    }

    /** Starts replica {@code id} as the cluster does, with {@code more} applied to its builder last. */
    Replica startReplica(int id, java.util.function.UnaryOperator<Replica.Builder> more)
            throws IOException, ConfigException {
        return startReplica(id, new KeyValueService(), more);
    }

    private Replica startReplica(int id, io.phalanx.core.service.Service service,
                                 java.util.function.UnaryOperator<Replica.Builder> more)
            throws IOException, ConfigException {
        Replica.Builder builder = Replica.builder().config(config).id(id).identity(replicaIdentities.get(id))
                .service(service).dataDirectory(dataRoot.resolve("replica-" + id));
        more.apply(builder);
        if (shared != null) {
            builder.networkThreads(shared);
        }
        replicas[id] = builder.start();
        return replicas[id];
    }

    /**
     * Starts replica {@code id}, which the config does not list, with {@code ticket} (written to a
     * file, as {@code phalanx replica --join} reads it); {@code ticket} null starts it again from
     * the ticket its data directory kept.
     */
    Replica join(int id, NodeIdentity identity, io.phalanx.runtime.config.JoinTicket ticket)
            throws IOException, ConfigException {
        return join(id, identity, ticket, "replica-" + id);
    }

    /** As {@link #join(int, NodeIdentity, io.phalanx.runtime.config.JoinTicket)}, in data directory {@code data}. */
    Replica join(int id, NodeIdentity identity, io.phalanx.runtime.config.JoinTicket ticket, String data)
            throws IOException, ConfigException {
        Replica.Builder builder = Replica.builder().config(config).id(id).identity(identity)
                .service(new KeyValueService()).dataDirectory(dataRoot.resolve(data));
        if (ticket != null) {
            java.nio.file.Path file = dataRoot.resolve(data + ".ticket");
            ticket.write(file);
            builder.join(file);
        }
        if (shared != null) {
            builder.networkThreads(shared);
        }
        Replica replica = builder.start();
        joiners.add(replica);
        return replica;
    }

    Client client(long id) throws IOException, ConfigException {
        Client.Builder builder = Client.builder().config(config).id(id).identity(clientIdentities.get(id))
                .callTimeout(Duration.ofSeconds(30));
        if (shared != null) {
            builder.networkThreads(shared);
        }
        Client client = builder.build();
        clients.add(client);
        return client;
    }

    /** A client in an explicit session (to act out a client process restarting under its id). */
    Client client(long id, long session) throws IOException, ConfigException {
        Client client = Client.builder().config(config).id(id).identity(clientIdentities.get(id))
                .callTimeout(Duration.ofSeconds(30)).session(session).build();
        clients.add(client);
        return client;
    }

    @Override
    public void close() {
        clients.forEach(Client::close);
        joiners.forEach(Replica::close);
        for (Replica replica : replicas) {
            if (replica != null) {
                replica.close();
            }
        }
        try (java.util.stream.Stream<java.nio.file.Path> files = java.nio.file.Files.walk(dataRoot)) {
            files.sorted(java.util.Comparator.reverseOrder()).forEach(path -> path.toFile().delete());
        } catch (IOException e) {
            // a temp directory left behind is harmless
        }
    }

    static Bytes op(KvOperation operation) {
        return operation.encode();
    }

    static KvResult result(Bytes bytes) {
        return KvResult.decode(bytes);
    }

    static long counter(Bytes bytes) {
        KvResult result = KvResult.decode(bytes);
        if (!(result instanceof KvResult.Counter c)) {
            throw new AssertionError("expected a counter, got " + result);
        }
        return c.value();
    }

    static void await(String what, Duration timeout, BooleanSupplier condition) throws InterruptedException {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() > deadline) {
                throw new AssertionError("timed out waiting for " + what);
            }
            Thread.sleep(10);
        }
    }

    /**
     * A port free on 127.0.0.1 now and not yet in {@code taken}, which it joins; below Linux's
     * ephemeral range (32768 and up), so a replica restarted on it never finds it taken by the
     * local end of some outgoing connection.
     */
    public static int freePort(java.util.Set<Integer> taken) {
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
        throw new IllegalStateException("no free port in 20000..31999");
    }
}
