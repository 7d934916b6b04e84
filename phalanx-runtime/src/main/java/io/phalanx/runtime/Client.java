package io.phalanx.runtime;

import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import io.phalanx.core.client.ClientConfig;
import io.phalanx.core.client.ClientCore;
import io.phalanx.core.codec.CodecException;
import io.phalanx.core.codec.MessageCodec;
import io.phalanx.core.crypto.Signer;
import io.phalanx.core.message.Bytes;
import io.phalanx.core.message.Message;
import io.phalanx.core.message.Refusal;
import io.phalanx.core.message.Reply;
import io.phalanx.runtime.config.ClientEntry;
import io.phalanx.core.view.View;
import io.phalanx.runtime.config.ClusterConfig;
import io.phalanx.runtime.config.ClusterConfigLoader;
import io.phalanx.runtime.config.ConfigException;
import io.phalanx.runtime.keys.KeyFiles;
import io.phalanx.runtime.keys.NodeIdentity;
import io.phalanx.runtime.transport.ClientTransport;
import io.phalanx.runtime.transport.FrameHandler;
import io.phalanx.runtime.transport.NetworkThreads;
import io.phalanx.runtime.transport.Outbox;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import java.time.InstantSource;
import java.util.List;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * A connection to a Phalanx cluster: sends an operation to the leader (to every replica when it
 * retransmits, or for a read-only query) and returns a result once a quorum of replicas returned
 * the same bytes.
 *
 * <pre>{@code
 * try (Client client = Client.builder().config(Path.of("cluster.yaml")).id(1000).build()) {
 *     Bytes result = client.invoke(operation);                    // ordered, blocking
 *     Bytes read = client.invokeUnordered(query);                  // read-only fast path
 *     CompletableFuture<Bytes> later = client.invokeAsync(operation);
 * }
 * }</pre>
 *
 * <p>Thread-safe: any thread may call. Internally the client's protocol state
 * ({@link ClientLoop}) is driven by the one network thread that carries all its connections
 * (its own, or one of the {@link Builder#networkThreads shared} ones), which decodes the replies
 * too. Up to {@code outstandingMax} calls are in flight at once, up to {@code waitingMax} more
 * wait their turn, and calls beyond that fail at once with {@link PhalanxOverloadedException}.
 * Every call has a timeout ({@link PhalanxTimeoutException}). Futures are completed on that
 * network thread: callbacks attached with the non-{@code Async} methods of
 * {@link CompletableFuture} run there and must be short and must not block (in particular, must
 * not call {@link #invoke}); starting the next call with {@link #invokeAsync} is fine.
 *
 * <p>When the cluster file sets {@code cluster.clientSignatures: true}, every request is signed
 * with the client's Ed25519 key.
 *
 * <p>Sessions. The client numbers its requests in a session (see {@link Builder#session}). When
 * a quorum of replicas refuses a request because they do not know its session (they evicted it
 * to keep at most {@code limits.clientsMax} sessions, or restarted without their state), that
 * call fails with a {@link PhalanxException} (its outcome is unknown: it may have run before the
 * session was forgotten) and later calls go in a new, higher session, so the client goes on.
 *
 * <p>Metrics. {@link #stats()} counts completed and failed calls, retransmissions and sessions
 * begun; with {@link Builder#meterRegistry} the same figures, and a latency histogram, are
 * Micrometer meters.
 */
public final class Client implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(Client.class);
    /** Margin beyond the call timeout that a blocking call waits before giving up on the network thread. */
    private static final long BLOCKING_GRACE_MS = 5_000;
    /** Cap of the doubling retransmission timeout. */
    static final long RETRANSMIT_MAX_MS = 16_000;
    /** 2020-01-01T00:00:00Z: sessions count seconds from here, which fits 31 bits until 2088. */
    private static final long SESSION_EPOCH_SECONDS = 1_577_836_800L;
    /** The longest {@link #close} waits for the clock to pass the session (a session renewed in a run can be one ahead). */
    private static final long SESSION_WAIT_MAX_MS = 2_000;

    private final long id;
    private final String name;
    private final long callTimeoutMs;
    /** The one network thread of all of this client's connections, which also drives its core. */
    private final NetworkThreads thread;
    private final ClientCounters counters;
    private final ClientLoop loop;
    /** The client's meters in the registry its builder was given; null without one. */
    private final ClientMeters meters;
    private final ClientTransport transport;
    /** True when sessions come from the clock ({@link #sessionFromClock}), not from {@link Builder#session}. */
    private final boolean sessionsFromClock;
    private final InstantSource clock;
    private boolean closed;

    /**
     * Builds every part once, each with the parts it uses, and starts connecting: the core; the
     * network thread; the counters; the transport's outbox, before both of its ends; the loop,
     * which sends through the outbox; the meters; and last the transport, with the outbox and with
     * a handler that decodes into the loop. If the transport cannot start, what started is closed.
     */
    private Client(Builder b, ClusterConfig config, NodeIdentity identity) throws IOException {
        this.id = b.id;
        this.name = "client " + b.id;
        this.callTimeoutMs = b.callTimeout.toMillis();
        Signer signer = config.cluster().clientSignatures() ? CoreSettings.signer(identity.privateKey()) : Signer.NONE;
        // Replicas forward requests among themselves when the leader is slow, so the client's own
        // retransmission only repairs lost frames; it need not be as eager as timeouts.requestMs.
        long retransmitMs = b.retransmitTimeoutMs != null ? b.retransmitTimeoutMs
                : Math.max(ClientConfig.defaults().retransmitTimeoutMs(), config.timeouts().requestMs());
        ClientConfig clientConfig = new ClientConfig(retransmitMs, Math.max(retransmitMs, RETRANSMIT_MAX_MS),
                b.outstandingMax);
        long session = b.session != null ? b.session : sessionFromClock(b.clock);
        this.sessionsFromClock = b.session == null;
        this.clock = b.clock;
        View startView = b.startView != null ? b.startView : CoreSettings.view(config);
        ClientCore core = new ClientCore(b.id, startView, clientConfig, signer, session);
        MessageCodec codec = new MessageCodec(config.limits().frameBytesMax());
        // A view of one shared thread is not closed by close(); a thread of its own is.
        this.thread = b.networkThreads == null ? NetworkThreads.start("client-" + b.id, 1) : b.networkThreads.one();
        Timer latency = b.meterRegistry == null ? null : ClientMeters.latencyTimer(b.meterRegistry, b.id, b.callTimeout);
        this.counters = new ClientCounters(latency);
        Outbox outbox = new Outbox(config.limits());
        List<Integer> replicas = startView.members();
        Handoff<View> adoptedViews = new Handoff<>();
        this.loop = new ClientLoop(name, core, codec, b.clock, callTimeoutMs, b.outstandingMax + b.waitingMax,
                thread.executor(), outbox, replicas, counters, adoptedViews);
        this.meters = b.meterRegistry == null ? null
                : ClientMeters.bind(b.meterRegistry, b.id, latency, counters, loop::open,
                () -> outbox.connected().size());
        try {
            this.transport = ClientTransport.start(config, id, identity, outbox, replyHandler(codec, counters, loop),
                    thread);
            if (b.startView != null) {
                transport.follow(startView);
            }
            adoptedViews.attach(transport::follow);
        } catch (IOException | RuntimeException e) {
            thread.close();
            if (meters != null) {
                meters.remove();
            }
            throw e;
        }
        log.info("{} started: {} replicas, {} mode, client signatures {}", name, replicas.size(),
                config.cluster().mode(), config.cluster().clientSignatures() ? "on" : "off");
    }

    /**
     * The default session: whole seconds since 2020-01-01, so a client restarted under the same
     * id gets a higher session and its requests are not mistaken for the previous run's. A run
     * that made calls lets its second pass before {@link #close} returns, so even a run started
     * at once after it is in a later second.
     */
    static long sessionFromClock(InstantSource clock) {
        return Math.max(1, clock.instant().getEpochSecond() - SESSION_EPOCH_SECONDS);
    }

    /**
     * A builder; {@code config} and {@code id} are required.
     *
     * @return a new builder
     */
    public static Builder builder() {
        return new Builder();
    }

    /** Decodes the replicas' frames on the network thread and hands replies and refusals to {@code loop}. */
    private static FrameHandler replyHandler(MessageCodec codec, ClientCounters counters, ClientLoop loop) {
        return new FrameHandler() {
            @Override
            public void onFrame(int replicaId, byte[] frame) {
                Message message;
                try {
                    message = codec.decode(frame);
                } catch (CodecException e) {
                    counters.undecodable();
                    return;
                }
                if (message instanceof Reply reply) {
                    loop.onReply(replicaId, reply);
                } else if (message instanceof Refusal refusal) {
                    loop.onRefusal(replicaId, refusal);
                } else {
                    counters.undecodable();
                }
            }

            @Override
            public void onPeerUp(int replicaId) {
                loop.onReplicaUp(replicaId);
            }

            @Override
            public void onPeerDown(int replicaId) {
                loop.onReplicaDown(replicaId);
            }
        };
    }

    /**
     * This client's id, as the cluster file lists it.
     *
     * @return the client id
     */
    public long id() {
        return id;
    }

    /**
     * Executes {@code operation} through consensus and waits for its result.
     *
     * @param operation the operation, in the service's encoding
     * @return the service's result, as enough replicas returned it
     * @throws PhalanxTimeoutException    if no quorum answered within the call timeout
     * @throws PhalanxOverloadedException if too many calls are open
     * @throws PhalanxException           if the client is closed meanwhile
     */
    public Bytes invoke(Bytes operation) {
        return await(invokeAsync(operation));
    }

    /**
     * Sends a read-only {@code operation} to be answered from the replicas' current state without
     * consensus; if their answers do not agree (or time out) it is retried as an ordered call, so
     * the result is linearizable either way. The service must not change state for it.
     *
     * @param operation the read-only operation, in the service's encoding
     * @return the service's answer, as enough replicas returned it
     */
    public Bytes invokeUnordered(Bytes operation) {
        return await(invokeUnorderedAsync(operation));
    }

    /**
     * Like {@link #invoke}, without waiting.
     *
     * @param operation the operation, in the service's encoding
     * @return the result when it comes, or the failure {@link #invoke} would throw
     */
    public CompletableFuture<Bytes> invokeAsync(Bytes operation) {
        return loop.submit(Objects.requireNonNull(operation, "operation"), false);
    }

    /**
     * Like {@link #invokeUnordered}, without waiting.
     *
     * @param operation the read-only operation, in the service's encoding
     * @return the answer when it comes, or the failure {@link #invokeUnordered} would throw
     */
    public CompletableFuture<Bytes> invokeUnorderedAsync(Bytes operation) {
        return loop.submit(Objects.requireNonNull(operation, "operation"), true);
    }

    private Bytes await(CompletableFuture<Bytes> future) {
        try {
            return future.get(callTimeoutMs + BLOCKING_GRACE_MS, TimeUnit.MILLISECONDS);
        } catch (ExecutionException e) {
            if (e.getCause() instanceof PhalanxException p) {
                throw p;
            }
            throw new PhalanxException(name + ": call failed: " + e.getCause(), e.getCause());
        } catch (TimeoutException e) {
            throw new PhalanxTimeoutException(name + ": network thread did not answer within "
                    + (callTimeoutMs + BLOCKING_GRACE_MS) + " ms");
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new PhalanxException(name + ": interrupted while waiting for a result", e);
        }
    }

    /**
     * What this client counted since it was built, and its calls and connections now. The same
     * figures are in the meter registry given to {@link Builder#meterRegistry}, if any, with the
     * latency of every completed call.
     *
     * @return the counters now
     */
    public Stats stats() {
        return new Stats(counters.completed(), counters.failures(ClientCounters.Failure.TIMEOUT),
                counters.failures(ClientCounters.Failure.OVERLOADED), counters.refusals(), counters.resends(),
                counters.orderedRetries(), counters.sessionsBegun(), loop.open(), counters.inFlight(),
                counters.undecodableFrames(), transport.connectedReplicas(), loop.viewId());
    }

    /**
     * A snapshot of a client's counters.
     *
     * @param completed          calls completed with a result
     * @param timedOut           calls failed with {@link PhalanxTimeoutException}
     * @param overloaded         calls refused at once with {@link PhalanxOverloadedException}
     * @param refused            calls a quorum of replicas refused for their session's sake (superseded, or
     *                           unknown to them) or because they are in a newer view
     * @param retransmissions    requests sent again: after a retransmission timeout, to every replica after the
     *                           leader refused them or its connection was lost, to a replica that connected,
     *                           or to every replica for a result only its digest came back for
     * @param orderedRetries     read-only calls whose query found no quorum of matching answers and went on as
     *                           ordered requests
     * @param sessionsBegun      new sessions begun because a quorum of replicas no longer knew the current one
     * @param open               calls outstanding or waiting now
     * @param inFlight           calls sent and waiting for a quorum's answer now (at most {@code outstandingMax})
     * @param undecodable        frames from replicas that were not a valid reply or refusal
     * @param connectedReplicas  replicas with an authenticated connection now
     * @param viewId             the view the client's requests name: the cluster file's, or a newer one that
     *                           f+1 replicas of the view it knew named when they refused a request
     */
    public record Stats(long completed, long timedOut, long overloaded, long refused, long retransmissions,
                        long orderedRetries, long sessionsBegun, int open, int inFlight, long undecodable,
                        Set<Integer> connectedReplicas, long viewId) {
    }

    /**
     * Fails every open call with {@link PhalanxException} and closes the connections (and the
     * client's own thread). With sessions from the clock (no {@link Builder#session}), a client
     * that made calls returns only once the clock has passed its session's second (at most a
     * second or two after a short run): the next run of its id then takes a higher session, and
     * the replicas cannot mistake its first requests for this run's. Idempotent.
     */
    @Override
    public void close() {
        synchronized (this) {
            if (closed) {
                return;
            }
            closed = true;
        }
        loop.stop(BLOCKING_GRACE_MS);
        transport.close();
        thread.close();
        if (meters != null) {
            meters.remove();
        }
        log.info("{} stopped ({} calls completed, {} timed out)", name, counters.completed(),
                counters.failures(ClientCounters.Failure.TIMEOUT));
        if (sessionsFromClock && loop.used()) {
            awaitSessionPast(loop.session());
        }
    }

    /**
     * Returns once the clock has passed {@code session} (sessions from the clock are whole
     * seconds): the next run of this client id, even one started at once, then numbers its
     * requests in a higher session. In the same session its first requests would carry the
     * sequence numbers of this run's, and the replicas would answer them from their cache of this
     * run's replies without executing them. Waits at most {@link #SESSION_WAIT_MAX_MS}: a session
     * further ahead was not taken from this clock.
     */
    private void awaitSessionPast(long session) {
        long waitMs = (SESSION_EPOCH_SECONDS + session + 1) * 1000 - clock.millis();
        if (waitMs <= 0 || waitMs > SESSION_WAIT_MAX_MS) {
            return;
        }
        try {
            Thread.sleep(waitMs);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /**
     * Configures and connects a {@link Client}. Required: a cluster config (file or object) and
     * the client's id. The private key defaults to {@code keys/client-<id>.key} next to the file.
     */
    public static final class Builder {
        /** Default per-call timeout. */
        public static final Duration CALL_TIMEOUT_DEFAULT = Duration.ofSeconds(30);
        /** Default calls waiting beyond {@code outstandingMax}. */
        public static final int WAITING_MAX_DEFAULT = 10_000;

        private Path configFile;
        private ClusterConfig config;
        private Long id;
        private Path privateKeyFile;
        private NodeIdentity identity;
        private Duration callTimeout = CALL_TIMEOUT_DEFAULT;
        private int outstandingMax = ClientConfig.defaults().outstandingMax();
        private int waitingMax = WAITING_MAX_DEFAULT;
        private Long retransmitTimeoutMs;
        private Long session;
        private View startView;
        private InstantSource clock = InstantSource.system();
        private NetworkThreads networkThreads;
        private MeterRegistry meterRegistry;

        private Builder() {
        }

        /**
         * The cluster file; keys are looked for in {@code keys/} next to it.
         *
         * @param clusterFile the cluster file ({@code phalanx keygen} writes one)
         * @return this builder
         */
        public Builder config(Path clusterFile) {
            this.configFile = Objects.requireNonNull(clusterFile, "clusterFile");
            this.config = null;
            return this;
        }

        /**
         * A cluster config built in code (then a key must be given).
         *
         * @param clusterConfig the cluster
         * @return this builder
         */
        public Builder config(ClusterConfig clusterConfig) {
            this.config = Objects.requireNonNull(clusterConfig, "clusterConfig");
            this.configFile = null;
            return this;
        }

        /**
         * @param clientId this client's id in the cluster file's {@code clients}
         * @return this builder
         */
        public Builder id(long clientId) {
            this.id = clientId;
            return this;
        }

        /**
         * The client's PKCS#8 PEM private key; checked against its certificate in the config.
         *
         * @param file the key file; default {@code keys/client-ID.key} next to the cluster file
         * @return this builder
         */
        public Builder privateKey(Path file) {
            this.privateKeyFile = Objects.requireNonNull(file, "file");
            return this;
        }

        /**
         * The client's key and certificate, already loaded (instead of {@link #privateKey}).
         *
         * @param nodeIdentity the key and certificate
         * @return this builder
         */
        public Builder identity(NodeIdentity nodeIdentity) {
            this.identity = Objects.requireNonNull(nodeIdentity, "nodeIdentity");
            return this;
        }

        /**
         * How long a call may take before it fails with {@link PhalanxTimeoutException}.
         *
         * @param timeout positive; default {@link #CALL_TIMEOUT_DEFAULT}
         * @return this builder
         */
        public Builder callTimeout(Duration timeout) {
            if (timeout.isNegative() || timeout.isZero()) {
                throw new IllegalArgumentException("callTimeout must be > 0, got " + timeout);
            }
            this.callTimeout = timeout;
            return this;
        }

        /**
         * Calls in flight at once (default 64). Must not exceed the replicas' client window (256 by
         * default), or replicas refuse the later sequence numbers.
         *
         * @param max positive
         * @return this builder
         */
        public Builder outstandingMax(int max) {
            this.outstandingMax = positive("outstandingMax", max);
            return this;
        }

        /**
         * Calls that may wait for a free slot beyond {@code outstandingMax}; more fail at once.
         *
         * @param max positive; default {@link #WAITING_MAX_DEFAULT}
         * @return this builder
         */
        public Builder waitingMax(int max) {
            this.waitingMax = positive("waitingMax", max);
            return this;
        }

        /**
         * First retransmission timeout (doubles up to 16 s); default the larger of 2 s and
         * {@code timeouts.requestMs}.
         *
         * @param ms positive
         * @return this builder
         */
        public Builder retransmitTimeoutMs(long ms) {
            if (ms <= 0) {
                throw new IllegalArgumentException("retransmitTimeoutMs must be > 0, got " + ms);
            }
            this.retransmitTimeoutMs = ms;
            return this;
        }

        /**
         * The client session (0..2^31-1); by default seconds since 2020, so every run of a
         * client id starts a newer session. Set it only to resume a session on purpose.
         *
         * @param clientSession the session number
         * @return this builder
         */
        public Builder session(long clientSession) {
            this.session = clientSession;
            return this;
        }

        /**
         * Starts in {@code view} instead of the cluster file's: the newest view, as enough replicas
         * to include a correct one report it (as {@code phalanx view} reads it from their admin
         * ports), so the client reaches replicas added since the file was written and accepts
         * replaced keys from its first connection. It still adopts newer views from the replicas'
         * refusals. The view must carry its members' keys and addresses.
         *
         * @param view the view to start in
         * @return this builder
         */
        public Builder view(View view) {
            this.startView = Objects.requireNonNull(view, "view");
            return this;
        }

        /**
         * Runs the client on one of {@code threads} (round robin), shared with other clients
         * or replicas of the process, instead of on a network thread of its own. The caller
         * closes them, after the clients. A process with many clients (a load generator, an
         * application server) should share one small set.
         *
         * @param threads shared network threads, closed by the caller after the clients
         * @return this builder
         */
        public Builder networkThreads(NetworkThreads threads) {
            this.networkThreads = Objects.requireNonNull(threads, "threads");
            return this;
        }

        /**
         * Registers the client's meters in {@code registry}, tagged {@code client} with its id:
         * the latency of completed calls (a timer with a percentile histogram, so Prometheus can
         * compute quantiles), failed calls by reason, retransmissions by reason, calls in flight
         * and waiting, connected replicas (docs/OPERATIONS.md, "Client metrics"). They exist from
         * {@link #build} with their initial values and are removed from the registry when the
         * client is closed. Without a registry the client counts all but the latencies, in
         * {@link Client#stats()}.
         *
         * @param registry where the meters go; the caller owns it (several clients may share one)
         * @return this builder
         */
        public Builder meterRegistry(MeterRegistry registry) {
            this.meterRegistry = Objects.requireNonNull(registry, "registry");
            return this;
        }

        Builder clock(InstantSource source) {
            this.clock = Objects.requireNonNull(source, "source");
            return this;
        }

        /**
         * Loads the config and key and starts connecting to every replica (connections come up
         * in the background; calls made meanwhile are retransmitted until they arrive).
         *
         * @return the running client; close it when done
         * @throws ConfigException if the file is invalid or does not list this client
         * @throws IOException     if the key cannot be read or does not match the client's certificate
         */
        public Client build() throws IOException, ConfigException {
            if (id == null || (config == null && configFile == null)) {
                throw new IllegalStateException("Client.builder() needs config and id");
            }
            ClusterConfig cluster = config != null ? config : ClusterConfigLoader.load(configFile);
            ClientEntry self = cluster.client(id)
                    .orElseThrow(() -> new ConfigException("clients", "no client with id " + id + " in the cluster config"));
            int window = CoreSettings.replicaConfig(cluster, cluster.replicas().get(0).id()).clientWindowMax();
            if (outstandingMax > window) {
                throw new IllegalArgumentException("outstandingMax " + outstandingMax + " exceeds the replicas' client window ("
                        + window + "); they would refuse the later requests");
            }
            NodeIdentity node = identity != null ? identity : KeyFiles.loadIdentity(keyFile(), self.certificate());
            return new Client(this, cluster, node);
        }

        private Path keyFile() {
            if (privateKeyFile != null) {
                return privateKeyFile;
            }
            if (configFile == null) {
                throw new IllegalStateException("no privateKey given and no cluster file to find keys/client-" + id
                        + ".key next to");
            }
            return configFile.toAbsolutePath().getParent().resolve("keys").resolve("client-" + id + ".key");
        }

        private static int positive(String name, int value) {
            if (value <= 0) {
                throw new IllegalArgumentException(name + " must be > 0, got " + value);
            }
            return value;
        }
    }
}
