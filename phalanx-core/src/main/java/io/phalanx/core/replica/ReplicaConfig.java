package io.phalanx.core.replica;

import io.phalanx.core.view.View;

import java.util.Objects;

/**
 * Protocol limits of one replica. Every bound the core enforces is here, named {@code ...Max},
 * so that memory use is bounded whatever peers and clients send.
 *
 * @param replicaId            this replica's id; must be a member of {@code view}
 * @param view                 the initial view
 * @param batchRequestsMax     most requests the leader puts in one batch
 * @param batchBytesMax        most bytes of requests in one batch
 * @param pendingRequestsMax   most ordered requests waiting to be proposed; more are dropped
 *                             (and counted) until the client retransmits
 * @param instanceWindowMax    how many instances ahead of the last decided one votes are
 *                             buffered; votes further ahead are dropped (and counted)
 * @param clientWindowMax      how many sequence numbers ahead of its oldest undecided one a
 *                             client may have outstanding
 * @param operationBytesMax    largest operation a request may carry
 * @param clockSkewMaxMs       how far a batch's timestamp may stray from this replica's clock
 */
public record ReplicaConfig(int replicaId, View view, int batchRequestsMax, int batchBytesMax,
                            int pendingRequestsMax, int instanceWindowMax, int clientWindowMax,
                            int operationBytesMax, long clockSkewMaxMs) {

    public ReplicaConfig {
        Objects.requireNonNull(view, "view");
        if (!view.contains(replicaId)) {
            throw new IllegalArgumentException("replicaId " + replicaId + " is not a member of view " + view.members());
        }
        requirePositive("batchRequestsMax", batchRequestsMax);
        requirePositive("batchBytesMax", batchBytesMax);
        requirePositive("pendingRequestsMax", pendingRequestsMax);
        requirePositive("instanceWindowMax", instanceWindowMax);
        requirePositive("clientWindowMax", clientWindowMax);
        requirePositive("operationBytesMax", operationBytesMax);
        requirePositive("clockSkewMaxMs", clockSkewMaxMs);
        if (operationBytesMax > batchBytesMax) {
            throw new IllegalArgumentException("operationBytesMax (" + operationBytesMax
                    + ") must not exceed batchBytesMax (" + batchBytesMax + "): such a request could never be proposed");
        }
    }

    /** Defaults suited to a LAN cluster. */
    public static ReplicaConfig defaults(int replicaId, View view) {
        return new ReplicaConfig(replicaId, view, 400, 1 << 20, 10_000, 64, 256, 64 * 1024, 30_000);
    }

    private static void requirePositive(String key, long value) {
        if (value <= 0) {
            throw new IllegalArgumentException(key + " must be > 0, got " + value);
        }
    }
}
