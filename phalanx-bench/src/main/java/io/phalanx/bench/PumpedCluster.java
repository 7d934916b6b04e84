package io.phalanx.bench;

import io.phalanx.core.codec.MessageCodec;
import io.phalanx.core.crypto.Ed25519;
import io.phalanx.core.crypto.SignatureVerifier;
import io.phalanx.core.crypto.Signer;
import io.phalanx.core.message.Bytes;
import io.phalanx.core.message.Decision;
import io.phalanx.core.message.ReplicaMessage;
import io.phalanx.core.message.Request;
import io.phalanx.core.message.RequestKind;
import io.phalanx.core.replica.Input;
import io.phalanx.core.replica.Output;
import io.phalanx.core.replica.ReplicaConfig;
import io.phalanx.core.replica.ReplicaCore;
import io.phalanx.core.replica.Send;
import io.phalanx.core.service.RequestVerifier;
import io.phalanx.core.view.Mode;
import io.phalanx.core.view.View;

import java.security.GeneralSecurityException;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.PublicKey;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;

/**
 * A 4-replica BFT cluster ({@code n = 4, f = 1}) of {@link ReplicaCore}s driven in one thread by
 * an in-memory FIFO message pump: no sockets, no codec, no threads, no service execution. It
 * exists to answer one question: how many requests per second can the protocol logic itself
 * order, and what does each replica's {@code step} cost per request?
 *
 * <p>The pump keeps the leader's pipeline full the way a steady client load would. Each
 * {@link #orderOneBatch()} first gives {@code batchSize} new requests to every replica (as a
 * client's retransmission would; a new request goes to the leader alone) while the leader's
 * previous instance is still open, so they wait in its pending
 * queue; it then delivers messages in FIFO order until every replica has decided that open
 * instance. On deciding, the leader proposes the next instance with exactly the requests just
 * fed; that PROPOSE stays in flight for the next call. So every call decides one batch of
 * {@code batchSize} requests at all four replicas (after the first call, which primes the
 * pipeline).
 *
 * <p>Logical time advances by one millisecond per batch and ticks are never delivered: with the
 * default 2 s request timeout no timer can fire, so no leader change disturbs the measurement.
 * Not thread-safe.
 */
public final class PumpedCluster {
    /** Replicas in the cluster: the smallest BFT group, tolerating one Byzantine replica. */
    public static final int REPLICAS = 4;
    /** Requests a client may have in flight stay well below {@code clientWindowMax} with this many clients. */
    private static final int CLIENTS = 16;
    private static final int LEADER = 0;

    private record InFlight(int from, int to, ReplicaMessage message) {
    }

    private final int batchSize;
    private final Bytes operation;
    private final Signatures signatures;
    private final List<ReplicaCore> cores = new ArrayList<>();
    private final Signer[] clientSigners;
    private final ArrayDeque<InFlight> network = new ArrayDeque<>();
    private final long[] stepNanos = new long[REPLICAS];
    private long nowMs = 1_000;
    private long replicaSignatures;
    private long replicaVerifications;
    private long clientVerifications;
    private long requestsFed;
    private long requestsDecided;
    private boolean primed;

    /**
     * @param batchSize      requests fed (and so decided) per batch, 1..{@code batchRequestsMax} (400)
     * @param operationBytes size of every request's operation
     * @param signatures     which signatures are real
     */
    public PumpedCluster(int batchSize, int operationBytes, Signatures signatures) {
        View view = View.of(0, REPLICAS, 1, Mode.BFT);
        if (batchSize < 1 || batchSize > ReplicaConfig.defaults(0, view).batchRequestsMax()) {
            throw new IllegalArgumentException("batchSize must be within 1..400, got " + batchSize);
        }
        this.batchSize = batchSize;
        this.operation = Bytes.copyOf(new byte[operationBytes]);
        this.signatures = signatures;
        this.clientSigners = new Signer[CLIENTS + 1];
        Signer[] replicaSigners = new Signer[REPLICAS];
        SignatureVerifier verifier = new CountingVerifier(makeKeys(replicaSigners));
        for (int id = 0; id < REPLICAS; id++) {
            // One instance at a time, so every batch holds exactly the requests fed for it.
            ReplicaConfig config = ReplicaConfig.builder(id, view)
                    .pipelineMax(1)
                    .clientSignaturesRequired(signatures == Signatures.REPLICAS_AND_CLIENTS)
                    .build();
            Signer signer = replicaSigners[id];
            Signer counting = message -> {
                replicaSignatures++;
                return signer.sign(message);
            };
            cores.add(new ReplicaCore(config, RequestVerifier.ACCEPT_ALL, counting, verifier, new SplittableRandom(id)));
        }
    }

    private SignatureVerifier makeKeys(Signer[] replicaSigners) {
        if (signatures == Signatures.NONE) {
            Bytes constant = Bytes.copyOf(new byte[Ed25519.SIGNATURE_LENGTH]);
            Arrays.fill(replicaSigners, (Signer) message -> constant);
            Arrays.fill(clientSigners, Signer.NONE);
            return new AcceptingVerifier();
        }
        try {
            KeyPairGenerator generator = KeyPairGenerator.getInstance("Ed25519");
            Map<Integer, PublicKey> replicaKeys = new HashMap<>();
            Map<Long, PublicKey> clientKeys = new HashMap<>();
            for (int id = 0; id < REPLICAS; id++) {
                KeyPair pair = generator.generateKeyPair();
                replicaSigners[id] = Ed25519.signer(pair.getPrivate());
                replicaKeys.put(id, pair.getPublic());
            }
            for (int client = 1; client <= CLIENTS; client++) {
                KeyPair pair = generator.generateKeyPair();
                clientSigners[client] = Ed25519.signer(pair.getPrivate());
                clientKeys.put((long) client, pair.getPublic());
            }
            return Ed25519.verifier(replicaKeys, clientKeys);
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("the JDK has no Ed25519", e);
        }
    }

    /**
     * Feeds one batch of requests and pumps messages until the open instance is decided everywhere.
     *
     * @return the number of requests decided
     */
    public int orderOneBatch() {
        if (!primed) {
            // The first request opens instance 0 at the leader; from then on one instance is open.
            feed(1);
            primed = true;
        }
        long before = requestsDecided;
        long target = cores.get(LEADER).lastDecided() + 1;
        feed(batchSize);
        pumpUntilDecided(target);
        nowMs++;
        return Math.toIntExact(requestsDecided - before);
    }

    private void feed(int count) {
        for (int i = 0; i < count; i++) {
            long n = requestsFed++;
            long client = n % CLIENTS + 1;
            Request request = new Request(client, n / CLIENTS + 1, RequestKind.ORDERED, 0, operation);
            if (signatures == Signatures.REPLICAS_AND_CLIENTS) {
                request = request.withSignature(clientSigners[(int) client].sign(MessageCodec.signedBytes(request)));
            }
            Input input = new Input.RequestReceived(request);
            for (int id = REPLICAS - 1; id >= 0; id--) {
                step(id, input);
            }
        }
    }

    private void pumpUntilDecided(long consensusId) {
        int budget = 1_000_000;
        while (!allDecided(consensusId)) {
            InFlight m = network.poll();
            if (m == null || budget-- == 0) {
                throw new IllegalStateException("the cluster stalled before deciding " + consensusId + ": "
                        + describe());
            }
            step(m.to(), new Input.MessageReceived(m.from(), m.message()));
        }
    }

    private boolean allDecided(long consensusId) {
        for (ReplicaCore core : cores) {
            if (core.lastDecided() < consensusId) {
                return false;
            }
        }
        return true;
    }

    private void step(int id, Input input) {
        long start = System.nanoTime();
        Output output = cores.get(id).step(nowMs, input);
        stepNanos[id] += System.nanoTime() - start;
        for (Send send : output.sends()) {
            network.add(new InFlight(id, send.to(), send.message()));
        }
        if (id == LEADER) {
            for (Decision decision : output.decisions()) {
                requestsDecided += decision.batch().requests().size();
            }
        }
    }

    private String describe() {
        StringBuilder out = new StringBuilder();
        for (ReplicaCore core : cores) {
            out.append("replica ").append(core.id()).append(" decided ").append(core.lastDecided())
                    .append(" pending ").append(core.pendingRequests()).append(" last rejection '")
                    .append(core.lastRejection()).append("'; ");
        }
        return out.toString();
    }

    /**
     * Requests decided by the leader so far (every replica decides the same ones).
     *
     * @return their number
     */
    public long requestsDecided() {
        return requestsDecided;
    }

    /**
     * Time replica {@code id} spent inside {@code step} so far.
     *
     * @param id the replica
     * @return nanoseconds of wall-clock time
     */
    public long stepNanos(int id) {
        return stepNanos[id];
    }

    /**
     * How many requests {@link #orderOneBatch()} feeds.
     *
     * @return the batch size the cluster was built with
     */
    public int batchSize() {
        return batchSize;
    }

    /**
     * Signatures the replicas made so far (their ACCEPTs), across all four.
     *
     * @return their number
     */
    public long replicaSignatures() {
        return replicaSignatures;
    }

    /**
     * Checks of replica signatures so far, across all four replicas.
     *
     * @return their number
     */
    public long replicaVerifications() {
        return replicaVerifications;
    }

    /**
     * Checks of client request signatures so far, across all four replicas.
     *
     * @return their number
     */
    public long clientVerifications() {
        return clientVerifications;
    }

    /** Counts the checks the cores ask for, so a run can say how many each decided request cost. */
    private final class CountingVerifier implements SignatureVerifier {
        private final SignatureVerifier delegate;

        CountingVerifier(SignatureVerifier delegate) {
            this.delegate = delegate;
        }

        @Override
        public boolean verifyReplica(View view, int replicaId, byte[] message, Bytes signature) {
            replicaVerifications++;
            return delegate.verifyReplica(view, replicaId, message, signature);
        }

        @Override
        public boolean verifyClient(long clientId, byte[] message, Bytes signature) {
            clientVerifications++;
            return delegate.verifyClient(clientId, message, signature);
        }
    }

    /** Accepts every signature: the no-op half of {@link Signatures#NONE}. */
    private static final class AcceptingVerifier implements SignatureVerifier {
        @Override
        public boolean verifyReplica(View view, int replicaId, byte[] message, Bytes signature) {
            return true;
        }

        @Override
        public boolean verifyClient(long clientId, byte[] message, Bytes signature) {
            return true;
        }
    }
}
