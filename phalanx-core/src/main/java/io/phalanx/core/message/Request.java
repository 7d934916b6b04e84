package io.phalanx.core.message;

import java.util.Objects;

/**
 * A client's request. {@code (clientId, sequence)} identifies it: replicas execute each ordered
 * request at most once and cache the reply for retransmissions. Ordered and unordered requests
 * have separate sequence spaces so that a read-only query never leaves a gap in the ordered
 * sequence that the replicas' duplicate filter relies on.
 *
 * @param clientId  the client's identity (authenticated by the channel it arrived on)
 * @param sequence  per-client, per-kind sequence number, starting at 1
 * @param kind      ordered (through consensus) or unordered (read-only)
 * @param viewId    the view the client believes is current; replicas use it to tell a client
 *                  that its view is stale
 * @param operation the service-defined operation
 */
public record Request(long clientId, long sequence, RequestKind kind, long viewId, Bytes operation)
        implements Message {
    public Request {
        Objects.requireNonNull(kind, "kind");
        Objects.requireNonNull(operation, "operation");
        if (sequence < 1) {
            throw new IllegalArgumentException("sequence must be >= 1, got " + sequence);
        }
    }

    /** The request's identity for duplicate detection. */
    public RequestId id() {
        return new RequestId(clientId, sequence, kind);
    }

    /** Approximate wire size, used to bound batches without encoding them. */
    public int sizeBytes() {
        return 32 + operation.length();
    }
}
