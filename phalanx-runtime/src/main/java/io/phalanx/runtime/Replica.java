package io.phalanx.runtime;

import io.phalanx.core.codec.MessageCodec;
import io.phalanx.core.crypto.SignatureVerifier;
import io.phalanx.core.crypto.Signer;
import io.phalanx.core.replica.ImageStore;
import io.phalanx.core.replica.Recovered;
import io.phalanx.core.replica.ReplicaConfig;
import io.phalanx.core.replica.ReplicaCore;
import io.phalanx.core.replica.ServiceExecutor;
import io.phalanx.core.service.RequestVerifier;
import io.phalanx.core.service.Service;
import io.phalanx.core.view.Addresses;
import io.phalanx.core.view.View;
import io.phalanx.runtime.admin.ExecutionMeter;
import io.phalanx.runtime.admin.ReplicaAdmin;
import io.phalanx.runtime.config.ClusterConfig;
import io.phalanx.runtime.config.ClusterConfigLoader;
import io.phalanx.runtime.config.AdminEndpoint;
import io.phalanx.runtime.config.ConfigException;
import io.phalanx.runtime.config.HostPort;
import io.phalanx.runtime.config.JoinTicket;
import io.phalanx.runtime.config.ReplicaEntry;
import io.phalanx.runtime.keys.KeyFiles;
import io.phalanx.runtime.keys.NodeIdentity;
import io.phalanx.runtime.storage.ReplicaStorage;
import io.phalanx.runtime.transport.ClientPortServer;
import io.phalanx.runtime.transport.NetworkThreads;
import io.phalanx.runtime.transport.Outbox;
import io.phalanx.runtime.transport.ReplicaMesh;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.time.Duration;
import java.time.InstantSource;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

/**
 * A running replica: the protocol core, the service and the network, wired together.
 *
 * <pre>{@code
 * try (Replica replica = Replica.builder()
 *         .config(Path.of("cluster.yaml"))
 *         .id(0)                       // key defaults to keys/replica-0.key next to the file
 *         .service(new MyService())
 *         .start()) {
 *     ...
 * }
 * }</pre>
 *
 * <p>Threads (see {@code docs/ARCHITECTURE.md}, "Runtime drivers"): network threads (Netty event
 * loops; one by default, or {@link Builder#networkThreads shared ones}) run TLS and framing for
 * the mesh and the client port, decode frames, and run the {@link ReplicaCore} with its timers
 * ({@link ProtocolLoop}) on one of them; decided batches, read-only queries and reply resends go
 * to the single execution thread ({@link ExecutionLoop}), which runs the {@link Service} and
 * sends replies. Client signatures are checked as requests are decoded, so that the core's own
 * checks of the same bytes mostly hit a cache of verified signatures.
 *
 * <p>Identity comes only from the transport: a replica message counts as sent by the replica
 * whose certificate authenticated the connection, and a request whose client id differs from
 * its connection's certificate is dropped (counted, WARN). Every refused input is counted in
 * {@link #status()}. If the core or the service breaks an invariant, the replica logs it,
 * stops itself and reports it in {@link #failure()}. If an administrator's change removes it
 * from the view in force, it logs that and stops itself too, without a failure ({@link #removed()}),
 * once the votes it cast in the old view are out and one request timeout has passed (its peers
 * may need them to decide the old view's last instances).
 */
public final class Replica implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(Replica.class);
    private static final long STOP_WAIT_MS = 5_000;
    /**
     * Network threads of a replica not given shared ones: one, shared by its mesh, its client
     * port and its protocol, so every input is stepped where it is read (see {@link ProtocolLoop}).
     * A replica serving many TLS clients on a machine of its own may want more
     * ({@link Builder#networkThreads}): the mesh stays on the protocol's thread, and requests
     * read on the others hop to it.
     */
    public static final int IO_THREADS_DEFAULT = 1;

    private final int id;
    private final String name;
    private final CountDownLatch stopped = new CountDownLatch(1);
    private final ExecutionMeter executed;
    /** The network threads it started, which it closes; null when given shared ones. */
    private final NetworkThreads ownThreads;
    private final ProtocolLoop protocol;
    /** The log and its thread; null with durability none. */
    private final LogLoop logLoop;
    private final Thread logThread;
    private final ExecutionLoop execution;
    private final Thread executionThread;
    private final ClientPortServer clientPort;
    private final ReplicaMesh mesh;
    /** Null when the replica's entry has no {@code admin} section. */
    private final ReplicaAdmin admin;
    private volatile Throwable failure;
    private final ReplicaKeys keys;
    /** Where this process listens (the file's entry, or its join ticket's): a view in force naming others moved it. */
    private final Addresses listening;
    /** The view this process started in: the file's, or its join ticket's. */
    private final long startedIn;
    /** The identity the transports present; changed on the protocol thread only ({@link #follow}). */
    private NodeIdentity presented;
    /** True once an administrator's change removed this replica from the view in force. */
    private volatile boolean removed;
    private boolean closed;

    /**
     * Assembles the replica and starts it. Each part is built once, with every part it uses, in
     * the order they depend on each other: the core and the service (restored from the data
     * directory); the outboxes of the mesh and the client port, and the queues of the log and
     * execution threads; the protocol loop, which fills those queues and sends through the mesh's
     * outbox; the log and execution loops, which empty the queues and report durable steps and
     * checkpoints back to it; then, with the threads running and the first tick stepped, the
     * transports, each with its outbox and with the protocol loop as the handler of the frames
     * it reads; last the admin port. If a part cannot start, what started is closed.
     *
     * <p>Held: this replica's lock, so that a failure reported while it starts closes it only
     * once it is assembled.
     */
    private Replica(Builder b, ClusterConfig config, NodeIdentity identity, ReplicaConfig replicaConfig,
                    ReplicaStorage.Opened stored) throws IOException {
        this.id = b.id;
        this.name = "replica " + b.id;
        SignatureVerifier signatures = CoreSettings.verifier(config);
        Recovered recovered = stored.recovered();
        ImageStore images = stored.images();
        this.keys = new ReplicaKeys(name, id, identity, b.nextIdentity, b.nextKeyFile());
        ReplicaCore core = new ReplicaCore(replicaConfig, replicaConfig.view().quorums(), b.requestVerifier,
                keys, signatures, new SecureRandom(), stored.start(), Set.of(), recovered, images);
        ReplicaEntry entry = config.replica(id).orElseThrow();
        this.listening = new Addresses(entry.host() + ":" + entry.port(), entry.host() + ":" + entry.clientPort());
        this.startedIn = replicaConfig.view().id();
        NodeIdentity inForce = keys.identityFor(core.viewInForce());
        this.presented = inForce != null ? inForce : identity;
        if (presented != identity) { // a rotated key: the transports check their identity against the file's entry
            config = config.withReplica(new ReplicaEntry(id, entry.host(), entry.port(), entry.clientPort(),
                    presented.certificate(), entry.admin()));
        }
        this.executed = new ExecutionMeter(recovered.lastDecided());
        ServiceExecutor executor = new ServiceExecutor(replicaConfig, executed.wrap(b.service));
        replay(executor, recovered);
        MessageCodec codec = new MessageCodec(config.limits().frameBytesMax());
        Outbox replicas = new Outbox(config.limits());
        Outbox clients = new Outbox(config.limits());
        LogQueue logQueue = stored.store() == null ? null : new LogQueue(b.executionQueueMax);
        ExecutionQueue executionQueue = new ExecutionQueue(b.executionQueueMax);
        Handoff<List<View>> meshViews = new Handoff<>();
        synchronized (this) {
            try {
                this.ownThreads = b.networkThreads == null ? NetworkThreads.start(name, IO_THREADS_DEFAULT) : null;
                NetworkThreads threads = ownThreads != null ? ownThreads : b.networkThreads;
                // The protocol and the mesh share one thread: replica messages never change threads.
                // Client connections spread over all of them (with one thread, that same one).
                NetworkThreads protocolThread = threads.one();
                this.protocol = new ProtocolLoop(name, core, codec,
                        config.cluster().clientSignatures() ? signatures : null, protocolThread.executor(),
                        b.inboundQueueMax, replicas, logQueue, executionQueue, b.clock, this::fail, this::leave,
                        meshViews);
                this.logLoop = logQueue == null ? null : new LogLoop(name, logQueue, stored.store(),
                        config.durability(), protocol::persisted, this::fail);
                this.execution = new ExecutionLoop(name, executionQueue, executor, codec, replicaConfig, logLoop,
                        images, clients, protocol::checkpointTaken, this::fail);
                this.logThread = logLoop == null ? null : thread(logLoop, "log");
                this.executionThread = thread(execution, "execution");
                if (logThread != null) {
                    logThread.start();
                }
                executionThread.start();
                protocol.start();
                this.clientPort = ClientPortServer.start(config, id, presented, clients, protocol::onClientFrame, threads);
                this.mesh = ReplicaMesh.start(config, meshViews.latest(List.of(replicaConfig.view())), id, presented,
                        replicas, protocol::onReplicaFrame, protocolThread);
                meshViews.attach(this::follow);
                this.admin = ReplicaAdmin.startIfConfigured(this, config, executed, threads);
            } catch (IOException | RuntimeException e) {
                close();
                throw e;
            }
        }
        ReplicaEntry self = config.replica(id).orElseThrow();
        log.info("{} started: {} n={} f={}, mesh {}:{}, clients {}:{}, client signatures {}", name,
                config.cluster().mode(), config.replicas().size(), config.cluster().f(), self.host(), self.port(),
                self.host(), self.clientPort(), config.cluster().clientSignatures() ? "required" : "off");
    }

    /**
     * Follows the view in force and the newest view (oldest first): the mesh's peers, and the key
     * presented in TLS, which is the one the view in force names for this replica. Runs on the
     * protocol thread.
     */
    private void follow(List<View> views) {
        Addresses named = views.get(0).addresses().get(id);
        // Views older than the one this process started in (a joiner restored from an older
        // checkpoint first) name where it listened before, not where it should listen.
        if (named != null && views.get(0).id() >= startedIn
                && !(named.mesh().equals(listening.mesh()) && named.client().equals(listening.client()))) {
            // Moved by the administrator (phalanx view replace with new addresses): another process
            // with this id serves at the new addresses, and two must never vote as one replica.
            IllegalStateException moved = new IllegalStateException(name + " listens at mesh " + listening.mesh()
                    + ", clients " + listening.client() + ", but view " + views.get(0).id() + " in force moved it to mesh "
                    + named.mesh() + ", clients " + named.client() + ": it stops; start it there, on an empty data"
                    + " directory, with the join ticket of that change");
            log.error(moved.getMessage());
            fail(moved);
            return;
        }
        mesh.follow(views);
        keys.identityFor(views.get(views.size() - 1)); // a newer view's key not held is reported now, not at its boundary
        NodeIdentity wanted = keys.identityFor(views.get(0));
        if (wanted != null && !wanted.equals(presented)) {
            try {
                mesh.present(wanted);
                clientPort.present(wanted);
                presented = wanted;
                log.info("{}: presents the key view {} names for it from now on", name, views.get(0).id());
            } catch (javax.net.ssl.SSLException e) {
                fail(e);
            }
        }
    }

    private void replay(ServiceExecutor executor, Recovered recovered) {
        executor.resume(recovered);
        if (recovered.lastDecided() >= 0) {
            log.info("{}: service restored to consensus id {} ({} decisions replayed after {})", name,
                    recovered.lastDecided(), recovered.decisions().size(),
                    recovered.checkpoint() == null ? "the start" : "checkpoint " + recovered.checkpoint().consensusId());
        }
    }

    private Thread thread(Runnable body, String role) {
        Thread thread = new Thread(body, "phalanx-replica-" + id + "-" + role);
        thread.setDaemon(true);
        return thread;
    }

    /**
     * Starts the description of a replica.
     *
     * @return a new builder; {@code config}, {@code id} and {@code service} are required
     */
    public static Builder builder() {
        return new Builder();
    }

    private void fail(Throwable cause) {
        failure = cause;
        closeElsewhere();
    }

    /** Removed from the view in force: it has no part to play any more, so it stops, without a failure. */
    private void leave() {
        removed = true;
        closeElsewhere();
    }

    /** Closes the replica on a thread of its own: the thread that asks may be one that close() waits for. */
    private void closeElsewhere() {
        Thread closer = new Thread(this::close, "phalanx-replica-" + id + "-stop");
        closer.setDaemon(true);
        closer.start();
    }

    /**
     * This replica's id in the cluster config.
     *
     * @return the id
     */
    public int id() {
        return id;
    }

    /**
     * The installed regency, as of the protocol thread's latest step.
     *
     * @return the regency
     */
    public int regency() {
        return protocol.status().regency();
    }

    /**
     * The replica this one currently follows, as of the protocol thread's latest step.
     *
     * @return the leader's id (this replica's own id when it leads)
     */
    public int leader() {
        return protocol.status().leader();
    }

    /**
     * The highest consensus id decided here.
     *
     * @return the consensus id; -1 before the first decision
     */
    public long lastDecided() {
        return protocol.status().lastDecided();
    }

    /**
     * The view in force: the one this replica votes in, as of the protocol thread's latest step.
     *
     * @return the view that governs its first undecided instance
     */
    public View view() {
        return protocol.status().view();
    }

    /**
     * Signs with the key {@code view} names for this replica: the one it started with, or after
     * a key rotation the next key ({@link Builder#nextKey}) from the view that installs it on. For
     * what a service's node signs beside the protocol, such as an ordering node's blocks. Safe to
     * call from any thread.
     *
     * @param view a view that names this replica
     * @return the signer
     * @throws IllegalStateException if the replica does not hold that key
     */
    public Signer signerFor(View view) {
        return keys.signerFor(view, id);
    }

    /**
     * The newest view this replica knows, as of the protocol thread's latest step: later than
     * {@link #view()} while an administrator's change waits to govern.
     *
     * @return the newest view
     */
    public View latestView() {
        return protocol.status().latestView();
    }

    /**
     * Whether an administrator's change removed this replica from the view in force; it then
     * stops by itself (see {@link #awaitClosed}), with no {@link #failure()}.
     *
     * @return true once removed
     */
    public boolean removed() {
        return removed;
    }

    /**
     * The core's counters, as of its latest step.
     *
     * @return the counters that are not zero (decisions, refusals, leader changes...)
     */
    public java.util.Map<io.phalanx.core.replica.Counter, Long> counters() {
        return protocol.status().counters();
    }

    /**
     * Everything at once: core state, counters of the core, the driver and both transports.
     *
     * @return a snapshot, safe to keep and read from any thread
     */
    public ReplicaStatus status() {
        ReplicaStatus.Core core = protocol.status();
        return new ReplicaStatus(id, core.regency(), core.leader(), core.active(), core.lastDecided(),
                execution.lastExecuted(), core.pendingRequests(), core.counters(),
                new ReplicaStatus.DriverCounters(protocol.inboundDropped(), protocol.undecodable(),
                        protocol.unexpected(), protocol.clientIdMismatches(), execution.dropped(),
                        protocol.encodeFailures()),
                mesh.metrics().snapshot(), clientPort.metrics().snapshot(), core.recovering(), core.aheadConsensusId(),
                core.transfer(), logLoop == null ? null : logLoop.status(), mesh.connectedPeers(),
                new ReplicaStatus.Queues(protocol.queued(), execution.queued(), logLoop == null ? 0 : logLoop.queued()));
    }

    /**
     * Why the replica stopped itself, if it did.
     *
     * @return the cause (a broken invariant in the core or a failing service), or empty
     */
    public Optional<Throwable> failure() {
        return Optional.ofNullable(failure);
    }

    /**
     * Waits until the replica is closed, by {@link #close()} or after a failure.
     *
     * @param timeout how long to wait at most
     * @return true if it closed, false if the timeout passed first
     * @throws InterruptedException if the waiting thread is interrupted
     */
    public boolean awaitClosed(Duration timeout) throws InterruptedException {
        return stopped.await(timeout.toMillis(), TimeUnit.MILLISECONDS);
    }

    /**
     * Stops everything this replica started: the protocol (no step starts after this), the
     * client port and the mesh, its own network threads, then the execution thread after it
     * finishes what was queued. Idempotent.
     */
    @Override
    public void close() {
        synchronized (this) {
            if (closed) {
                return;
            }
            closed = true;
        }
        // Parts not built yet are null: a part that failed to start closes the replica while it is
        // being assembled.
        try {
            if (protocol != null) {
                protocol.stop(STOP_WAIT_MS);
            }
            closeQuietly(clientPort);
            closeQuietly(mesh);
            closeQuietly(admin);
            closeQuietly(ownThreads);
            if (executionThread != null && executionThread.isAlive()) {
                execution.stop(executionThread, STOP_WAIT_MS);
            }
            if (logThread != null && logThread.isAlive()) {
                logLoop.stop(logThread, STOP_WAIT_MS); // after execution, which may wait for it
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } finally {
            stopped.countDown();
            if (protocol != null) {
                log.info("{} stopped (last decided {}, last executed {}{})", name, protocol.status().lastDecided(),
                        execution.lastExecuted(), logLoop == null ? "" : "; log: " + logLoop.syncs() + " fsyncs, mean "
                                + logLoop.syncMicrosMean() + " µs");
            }
        }
    }

    private static void closeQuietly(AutoCloseable closeable) {
        if (closeable == null) {
            return;
        }
        try {
            closeable.close();
        } catch (Exception e) {
            log.warn("error while closing {}: {}", closeable, e.toString());
        }
    }

    /**
     * Configures and starts a {@link Replica}. Required: a cluster config (file or object), the
     * replica's id, and the service. The private key defaults to {@code keys/replica-<id>.key}
     * next to the cluster file.
     */
    public static final class Builder {
        /** The join ticket a replica that joined keeps in its data directory. */
        public static final String JOIN_TICKET_FILE = "join.ticket";
        /** Where in its data directory a replica started without a cluster file writes the one its ticket carries. */
        public static final String BUNDLED_CLUSTER_DIRECTORY = "cluster";
        /** Default bound of the protocol thread's inbound queue. */
        public static final int INBOUND_QUEUE_MAX_DEFAULT = 16_384;
        /** Default bound of the execution thread's queue. */
        public static final int EXECUTION_QUEUE_MAX_DEFAULT = 4_096;

        private Path configFile;
        private ClusterConfig config;
        private Integer id;
        private Path privateKeyFile;
        private NodeIdentity identity;
        private Path nextKeyFile;
        private NodeIdentity nextIdentity;
        private Service service;
        private RequestVerifier requestVerifier = RequestVerifier.ACCEPT_ALL;
        private InstantSource clock = InstantSource.system();
        private int inboundQueueMax = INBOUND_QUEUE_MAX_DEFAULT;
        private int executionQueueMax = EXECUTION_QUEUE_MAX_DEFAULT;
        private NetworkThreads networkThreads;
        private Path dataDirectory;
        private boolean repairFromPeers;
        private Path joinTicket;

        private Builder() {
        }

        /**
         * If the log in the data directory is damaged (a bad record with intact data after it),
         * drop it from the damage on and recover the rest from the peers, instead of refusing to
         * start. The replica recovers before it votes, as after a lost disk.
         *
         * @param repair true to repair from the peers; false (the default) refuses to start
         * @return this builder
         */
        public Builder repairFromPeers(boolean repair) {
            this.repairFromPeers = repair;
            return this;
        }

        /**
         * Joins a running cluster with the ticket {@code phalanx view add} wrote (see
         * {@link JoinTicket}): the replica starts in the view that added it, at the address and
         * with the certificate the ticket gives, taking every other setting from the cluster file,
         * and fetches the state from its peers before it votes. The ticket is kept in the data
         * directory ({@value #JOIN_TICKET_FILE}), so later starts need not name it again.
         *
         * @param ticketFile the join ticket
         * @return this builder
         */
        public Builder join(Path ticketFile) {
            this.joinTicket = Objects.requireNonNull(ticketFile, "ticketFile");
            return this;
        }

        /**
         * The replica's own directory (see {@link io.phalanx.runtime.storage.DataDirectory});
         * default with a cluster file: {@code data/replica-ID} next to it. Required when the
         * config is built in code.
         *
         * @param dir the directory
         * @return this builder
         */
        public Builder dataDirectory(Path dir) {
            this.dataDirectory = Objects.requireNonNull(dir, "dir");
            return this;
        }

        /**
         * Reads the cluster config from a file; replaces a config set before.
         *
         * @param clusterFile the cluster file; loaded (and validated) by {@link #start()}
         * @return this builder
         */
        public Builder config(Path clusterFile) {
            this.configFile = Objects.requireNonNull(clusterFile, "clusterFile");
            this.config = null;
            return this;
        }

        /**
         * Uses a cluster config built in code (tests, the demo); replaces a config set before.
         *
         * @param clusterConfig the config
         * @return this builder
         */
        public Builder config(ClusterConfig clusterConfig) {
            this.config = Objects.requireNonNull(clusterConfig, "clusterConfig");
            this.configFile = null;
            return this;
        }

        /**
         * Which replica of the cluster config this one is.
         *
         * @param replicaId an id listed in the config's replicas
         * @return this builder
         */
        public Builder id(int replicaId) {
            this.id = replicaId;
            return this;
        }

        /**
         * Reads the replica's private key from a file.
         *
         * @param file a PKCS#8 PEM private key; checked against the replica's certificate in the config
         * @return this builder
         */
        public Builder privateKey(Path file) {
            this.privateKeyFile = Objects.requireNonNull(file, "file");
            return this;
        }

        /**
         * Uses the replica's key and certificate, already loaded (instead of {@link #privateKey}).
         *
         * @param nodeIdentity the key and certificate
         * @return this builder
         */
        public Builder identity(NodeIdentity nodeIdentity) {
            this.identity = Objects.requireNonNull(nodeIdentity, "nodeIdentity");
            return this;
        }

        /**
         * Where the replica finds the next key of a key rotation (an administrator's {@code phalanx
         * view replace}): a PEM private key, with its certificate beside it ({@code .crt} for
         * {@code .key}). Read at start and whenever a view names a key the replica does not hold.
         * Default: {@code replica-ID.next.key} beside the key file, when the key comes from a file.
         *
         * @param file the next private key file
         * @return this builder
         */
        public Builder nextKey(Path file) {
            this.nextKeyFile = Objects.requireNonNull(file, "file");
            return this;
        }

        /**
         * Gives the next key of a key rotation already loaded (instead of {@link #nextKey}).
         *
         * @param nodeIdentity the next key and its certificate
         * @return this builder
         */
        public Builder nextIdentity(NodeIdentity nodeIdentity) {
            this.nextIdentity = Objects.requireNonNull(nodeIdentity, "nodeIdentity");
            return this;
        }

        /**
         * Sets the replicated service.
         *
         * @param replicatedService the service; it is called from the execution thread only
         * @return this builder
         */
        public Builder service(Service replicatedService) {
            this.service = Objects.requireNonNull(replicatedService, "replicatedService");
            return this;
        }

        /**
         * Sets the service's check on proposed requests (default: accept all).
         *
         * @param verifier the check; it runs on the protocol thread
         * @return this builder
         */
        public Builder requestVerifier(RequestVerifier verifier) {
            this.requestVerifier = Objects.requireNonNull(verifier, "verifier");
            return this;
        }

        /**
         * Bounds the protocol thread's queue; inputs beyond it are dropped and counted.
         *
         * @param max the most queued inputs, above 0
         * @return this builder
         */
        public Builder inboundQueueMax(int max) {
            this.inboundQueueMax = positive("inboundQueueMax", max);
            return this;
        }

        /**
         * Bounds the execution thread's queue; a full queue makes the protocol thread wait.
         *
         * @param max the most tasks waiting in the queue, above 0
         * @return this builder
         */
        public Builder executionQueueMax(int max) {
            this.executionQueueMax = positive("executionQueueMax", max);
            return this;
        }

        Builder clock(InstantSource source) {
            this.clock = Objects.requireNonNull(source, "source");
            return this;
        }

        /**
         * Runs the replica's mesh and client port on {@code threads}, shared with other
         * replicas or clients of the process, instead of on network
         * threads of its own. The caller closes them, after the replica.
         *
         * @param threads the shared network threads
         * @return this builder
         */
        public Builder networkThreads(NetworkThreads threads) {
            this.networkThreads = Objects.requireNonNull(threads, "threads");
            return this;
        }

        /**
         * Loads the config and key, binds the ports and starts the threads.
         *
         * @return the running replica
         * @throws ConfigException if the cluster file is invalid or does not list this replica
         * @throws IOException     if the key cannot be read or does not match the replica's
         *                         certificate, or a port cannot be bound
         */
        public Replica start() throws IOException, ConfigException {
            if (id == null || service == null || (config == null && configFile == null && dataDirectory == null)) {
                throw new IllegalStateException("Replica.builder() needs id, service, and config or a data directory"
                        + " with a join ticket");
            }
            Path dir = dataDirectory();
            JoinTicket read = readTicket(dir);
            ClusterConfig cluster = config != null ? config
                    : configFile != null ? ClusterConfigLoader.load(configFile)
                    : ClusterConfigLoader.load(bundledClusterFile(read, dir));
            JoinTicket ticket = checkedTicket(read, cluster, dir);
            ReplicaConfig replicaConfig;
            if (ticket != null) {
                HostPort mesh = HostPort.parse(ticket.view().addresses().get(id).mesh());
                HostPort client = HostPort.parse(ticket.view().addresses().get(id).client());
                String adminAddress = ticket.view().addresses().get(id).admin();
                HostPort adminPort = adminAddress.isEmpty() ? null : HostPort.parse(adminAddress);
                AdminEndpoint admin = adminPort == null ? null : new AdminEndpoint(adminPort.host(), adminPort.port());
                cluster = cluster.withReplica(new ReplicaEntry(id, mesh.host(), mesh.port(), client.port(),
                        ticket.certificate(), admin));
                replicaConfig = CoreSettings.replicaConfig(cluster, id, ticket.view(), ticket.governsFrom());
            } else if (cluster.replica(id).isPresent()) {
                replicaConfig = CoreSettings.replicaConfig(cluster, id);
            } else {
                throw new ConfigException("replicas", "no replica with id " + id + " in the cluster config (a replica"
                        + " added to a running cluster starts with the join ticket `phalanx view add` wrote: --join FILE)");
            }
            ReplicaEntry self = cluster.replica(id).orElseThrow();
            CoreSettings.checkMessageLimits(cluster);
            NodeIdentity node = identity != null ? identity : KeyFiles.loadIdentity(keyFile(), self.certificate());
            ReplicaStorage.Opened stored = ReplicaStorage.open(dir, replicaConfig, cluster.durability(),
                    repairFromPeers);
            if (joinTicket != null) {
                ticket.write(dir.resolve(JOIN_TICKET_FILE));
            }
            return new Replica(this, cluster, node, replicaConfig, stored);
        }

        /**
         * Without a cluster file: the one the join ticket carries (given, or else kept in the data
         * directory), written out under {@code DIR/cluster} for the loader to read and check.
         */
        private Path bundledClusterFile(JoinTicket ticket, Path dir) throws IOException, ConfigException {
            if (ticket == null) {
                throw new ConfigException("config", "no cluster file given, and no join ticket in data directory " + dir
                        + " to take it from: give the cluster file, or the join ticket `phalanx view add` wrote (--join FILE)");
            }
            if (privateKeyFile == null && identity == null) {
                throw new ConfigException("key", "a replica started from its join ticket alone needs its private key named"
                        + " (--key FILE): there is no cluster file to find keys/replica-" + id + ".key next to");
            }
            if (ticket.cluster() == null) {
                throw new ConfigException("config", "join ticket " + ticketFile(dir) + " carries no cluster file (an older"
                        + " ticket): give the cluster file too (--config FILE)");
            }
            return ticket.cluster().extractTo(dir.resolve(BUNDLED_CLUSTER_DIRECTORY));
        }

        /** The join ticket given, or else the one kept in the data directory. */
        private Path ticketFile(Path dir) {
            return joinTicket != null ? joinTicket : dir.resolve(JOIN_TICKET_FILE);
        }

        /** The join ticket given, or else the one kept in the data directory; null if there is neither. */
        private JoinTicket readTicket(Path dir) throws IOException {
            Path file = ticketFile(dir);
            return joinTicket == null && !java.nio.file.Files.exists(file) ? null : JoinTicket.read(file);
        }

        /**
         * {@code ticket} (read by {@link #readTicket}) checked against the cluster file's
         * administrator; null if there is none.
         */
        private JoinTicket checkedTicket(JoinTicket ticket, ClusterConfig cluster, Path dir) throws ConfigException {
            if (ticket == null) {
                return null;
            }
            Path file = ticketFile(dir);
            if (ticket.replicaId() != id) {
                throw new ConfigException("join", "join ticket " + file + " admits replica " + ticket.replicaId()
                        + ", not replica " + id);
            }
            long admin = cluster.cluster().admin();
            var adminEntry = cluster.client(admin).orElseThrow(() -> new ConfigException("cluster.admin",
                    "a replica that joins checks its ticket under the administrator's certificate, but the cluster"
                            + " file names no administrator"));
            if (!ticket.signedBy(adminEntry.certificate().getPublicKey())) {
                throw new ConfigException("join", "join ticket " + file + " is not signed by the administrator (client "
                        + admin + ") of the cluster file");
            }
            return ticket;
        }

        private Path dataDirectory() {
            if (dataDirectory != null) {
                return dataDirectory;
            }
            if (configFile == null) {
                throw new IllegalStateException("Replica.builder() needs a dataDirectory when the config is built in code"
                        + " or comes from a join ticket");
            }
            return configFile.toAbsolutePath().getParent().resolve("data").resolve("replica-" + id);
        }

        /** The next key file given, or else {@code replica-ID.next.key} beside the key file; null without files. */
        private Path nextKeyFile() {
            if (nextKeyFile != null) {
                return nextKeyFile;
            }
            if (identity != null && privateKeyFile == null) {
                return null; // the key was given loaded, not from a file
            }
            return privateKeyFile != null || configFile != null
                    ? keyFile().resolveSibling("replica-" + id + ".next.key") : null;
        }

        private Path keyFile() {
            if (privateKeyFile != null) {
                return privateKeyFile;
            }
            if (configFile == null) {
                throw new IllegalStateException("no privateKey given and no cluster file to find keys/replica-" + id
                        + ".key next to");
            }
            return configFile.toAbsolutePath().getParent().resolve("keys").resolve("replica-" + id + ".key");
        }

        private static int positive(String name, int value) {
            if (value <= 0) {
                throw new IllegalArgumentException(name + " must be > 0, got " + value);
            }
            return value;
        }
    }
}
