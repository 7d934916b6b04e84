package io.phalanx.runtime;

import io.phalanx.core.crypto.SignatureVerifier;
import io.phalanx.core.message.Bytes;
import io.phalanx.core.replica.ReplicaConfig;
import io.phalanx.core.view.Addresses;
import io.phalanx.core.view.Mode;
import io.phalanx.core.view.View;
import io.phalanx.runtime.config.ClientEntry;
import io.phalanx.runtime.config.ClusterConfig;
import io.phalanx.runtime.config.ConfigException;
import io.phalanx.runtime.config.ReplicaEntry;

import java.security.PublicKey;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * Translates a cluster file ({@link ClusterConfig}) into the core's vocabulary: the initial
 * {@link View} (with every replica's public key: replica signatures are checked under the keys
 * of the view), a replica's {@link ReplicaConfig} and the signature verifier for the clients'
 * keys. The one place where file keys meet core parameters, so a reader can check the
 * mapping at a glance:
 *
 * <ul>
 *   <li>{@code cluster.viewId / mode / f} and the replicas (in id order, with their certificates'
 *       public keys and their {@code host:port} and {@code host:clientPort}) → the {@code View};</li>
 *   <li>{@code cluster.clientSignatures} → {@code clientSignaturesRequired};</li>
 *   <li>{@code cluster.admin} → {@code adminClientId} (-1 without one: no view change is installed);</li>
 *   <li>{@code timeouts.requestMs} → {@code requestTimeoutMs};</li>
 *   <li>{@code batch.requestsMax / bytesMax} → {@code batchRequestsMax / batchBytesMax};</li>
 *   <li>{@code batch.pipelineMax} → {@code pipelineMax};</li>
 *   <li>{@code limits.decisionLogMax} → {@code decisionLogMax}, and {@code checkpointPeriod}
 *       ({@link #checkpointPeriodFor});</li>
 *   <li>{@code limits.clientsMax} → {@code clientsMax}.</li>
 * </ul>
 * Everything else keeps {@link ReplicaConfig#defaults}.
 */
public final class CoreSettings {
    private CoreSettings() {
    }

    /**
     * The view the cluster file describes: members in id order, so leader rotation follows ids.
     *
     * @param config the cluster file
     * @return the view with every replica's encoded public key
     */
    public static View view(ClusterConfig config) {
        List<ReplicaEntry> sorted = new ArrayList<>(config.replicas());
        sorted.sort(Comparator.comparingInt(ReplicaEntry::id));
        List<Integer> members = sorted.stream().map(ReplicaEntry::id).toList();
        Map<Integer, Bytes> keys = new HashMap<>();
        Map<Integer, Addresses> addresses = new HashMap<>();
        for (ReplicaEntry replica : sorted) {
            keys.put(replica.id(), Bytes.copyOf(replica.publicKey().getEncoded()));
            addresses.put(replica.id(), new Addresses(replica.host() + ":" + replica.port(),
                    replica.host() + ":" + replica.clientPort(),
                    replica.admin() == null ? "" : replica.admin().host() + ":" + replica.admin().port()));
        }
        return new View(config.cluster().viewId(), members, config.cluster().f(), mode(config), keys, addresses);
    }

    static Mode mode(ClusterConfig config) {
        return switch (config.cluster().mode()) {
            case BFT -> Mode.BFT;
            case CFT -> Mode.CFT;
        };
    }

    /** Room for message headers, vote histories and signed proofs around the batches of a SYNC. */
    static final int MESSAGE_OVERHEAD_BYTES = 64 * 1024;

    /**
     * Refuses a file under which the protocol could not send its largest messages: a SYNC carries
     * up to n STOPDATAs, each with a value per open instance, plus the bound values; a
     * DECISION_PUSH up to two batches' worth. Both must fit in one frame, or a leader change or a
     * catch-up could never be sent. (Checked when a replica starts rather than in
     * {@link ClusterConfig#validate}: transport-only uses of a file carry no protocol messages.)
     *
     * @param config the cluster file
     * @throws ConfigException naming {@code batch.bytesMax} if the largest SYNC does not fit in a frame
     */
    public static void checkMessageLimits(ClusterConfig config) throws ConfigException {
        long syncBytesMax = largestSyncBytes(config.replicas().size(), config.batch().pipelineMax(), config.batch().bytesMax());
        if (syncBytesMax > config.limits().frameBytesMax()) {
            throw new ConfigException("batch.bytesMax", "(replicas + 1) x batch.pipelineMax x batch.bytesMax = "
                    + (syncBytesMax - MESSAGE_OVERHEAD_BYTES) + " bytes, plus " + MESSAGE_OVERHEAD_BYTES
                    + " for headers and proofs, must fit in limits.frameBytesMax (" + config.limits().frameBytesMax()
                    + "): that is the largest SYNC a leader change may need. Lower batch.bytesMax or"
                    + " batch.pipelineMax, or raise limits.frameBytesMax");
        }
    }

    /** The largest SYNC the protocol may send under these limits, headers and proofs included. */
    static long largestSyncBytes(int replicas, int pipelineMax, long batchBytesMax) {
        return (long) (replicas + 1) * pipelineMax * batchBytesMax + MESSAGE_OVERHEAD_BYTES;
    }

    /**
     * The largest {@code batch.bytesMax} whose largest SYNC fits in {@code frameBytesMax}.
     *
     * @param replicas      the number of replicas
     * @param pipelineMax   {@code batch.pipelineMax}
     * @param frameBytesMax {@code limits.frameBytesMax}
     * @return the largest batch size in bytes that keeps a leader change sendable
     */
    public static long batchBytesFitting(int replicas, int pipelineMax, int frameBytesMax) {
        return (frameBytesMax - MESSAGE_OVERHEAD_BYTES) / ((long) (replicas + 1) * pipelineMax);
    }

    /**
     * Replica {@code replicaId}'s protocol settings: the file's keys mapped as the class comment
     * lists, everything else at its default.
     *
     * @param config    the cluster file
     * @param replicaId the replica, a member of the file's view
     * @return the core's configuration
     * @throws IllegalArgumentException if the mapped values do not work together
     */
    public static ReplicaConfig replicaConfig(ClusterConfig config, int replicaId) {
        return replicaConfig(config, replicaId, view(config), 0);
    }

    /**
     * Like {@link #replicaConfig(ClusterConfig, int)} for a replica that starts in {@code view},
     * which governs from consensus id {@code governsFrom} on, rather than in the file's view: a
     * replica added to a running cluster starts in the view that added it (its join ticket).
     *
     * @param config      the cluster file, for every setting but the view
     * @param replicaId   the replica, a member of {@code view}
     * @param view        the view it starts in
     * @param governsFrom the first consensus instance {@code view} governs
     * @return the core's configuration
     * @throws IllegalArgumentException if the mapped values do not work together
     */
    public static ReplicaConfig replicaConfig(ClusterConfig config, int replicaId, View view, long governsFrom) {
        ReplicaConfig defaults = ReplicaConfig.builder(replicaId, view).viewGovernsFrom(governsFrom).build();
        int batchBytesMax = config.batch().bytesMax();
        // Core parameters without a file key keep their defaults; the record's own checks
        // (e.g. an operation must fit in a batch) still apply.
        return defaults.toBuilder()
                .batchRequestsMax(config.batch().requestsMax())
                .batchBytesMax(batchBytesMax)
                .operationBytesMax(Math.min(defaults.operationBytesMax(), batchBytesMax))
                .requestTimeoutMs(config.timeouts().requestMs())
                .clientSignaturesRequired(config.cluster().clientSignatures())
                .adminClientId(config.cluster().admin())
                .pipelineMax(config.batch().pipelineMax())
                .decisionLogMax(config.limits().decisionLogMax())
                .checkpointPeriod(checkpointPeriodFor(config.limits().decisionLogMax()))
                .clientsMax(config.limits().clientsMax())
                // The log thread persists asynchronously; under sync no vote may leave before it did.
                .sendsAwaitPersistence(config.durability().mode() == io.phalanx.runtime.config.Durability.Mode.SYNC)
                .build();
    }

    /**
     * The checkpoint period for a decision log of {@code decisionLogMax}: the default, or half the
     * log when it is smaller, so the decisions after a checkpoint are still in the log.
     */
    static int checkpointPeriodFor(int decisionLogMax) {
        return Math.max(1, Math.min(ReplicaConfig.CHECKPOINT_PERIOD_DEFAULT, decisionLogMax / 2));
    }

    /**
     * Signs with {@code privateKey} (Ed25519, Bouncy Castle's implementation; see {@code FastEd25519}).
     *
     * @param privateKey the node's Ed25519 private key
     * @return a signer for the core
     */
    public static io.phalanx.core.crypto.Signer signer(java.security.PrivateKey privateKey) {
        return FastEd25519.signer(privateKey);
    }

    /**
     * Checks signatures of replicas under the keys their view names, and of no client (Bouncy
     * Castle's Ed25519 with a cache of verified signatures; see {@code FastEd25519}): for what
     * replicas sign outside the protocol, such as an ordering node's block signatures. Keep one per
     * component, so a signature checked again (a block's copies from several nodes) hits the cache.
     *
     * @return a verifier of replica signatures
     */
    public static SignatureVerifier replicaVerifier() {
        return new FastEd25519(Map.of());
    }

    /**
     * Checks signatures of replicas under the keys their view names, and of the clients the file
     * lists (Bouncy Castle's Ed25519 with a cache of verified signatures; see {@code FastEd25519}).
     *
     * @param config the cluster file, whose client certificates hold the clients' public keys
     * @return a verifier for the core
     */
    public static SignatureVerifier verifier(ClusterConfig config) {
        Map<Long, PublicKey> clients = new HashMap<>();
        for (ClientEntry client : config.clients()) {
            clients.put(client.id(), client.certificate().getPublicKey());
        }
        return new FastEd25519(clients);
    }
}
