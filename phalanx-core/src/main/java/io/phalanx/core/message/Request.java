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
 * @param signature the client's signature over the request with an empty signature field, or
 *                  empty when the cluster does not require client signatures. A signed request
 *                  stays verifiable wherever it travels: inside a PROPOSE, a FORWARD or a STOP.
 */
public record Request(long clientId, long sequence, RequestKind kind, long viewId, Bytes operation, Bytes signature)
        implements Message {
    /**
     * Checks that the fields are present and the sequence number is positive.
     *
     * @param clientId  the client's identity
     * @param sequence  per-client, per-kind sequence number, at least 1
     * @param kind      ordered or unordered
     * @param viewId    the view the client believes is current
     * @param operation the service-defined operation
     * @param signature the client's signature, or {@link Bytes#EMPTY} if unsigned
     * @throws IllegalArgumentException if {@code sequence} is below 1
     */
    public Request {
        Objects.requireNonNull(kind, "kind");
        Objects.requireNonNull(operation, "operation");
        Objects.requireNonNull(signature, "signature");
        if (sequence < 1) {
            throw new IllegalArgumentException("sequence must be >= 1, got " + sequence);
        }
    }

    /**
     * An unsigned request.
     *
     * @param clientId  the client's identity
     * @param sequence  per-client, per-kind sequence number, at least 1
     * @param kind      ordered or unordered
     * @param viewId    the view the client believes is current
     * @param operation the service-defined operation
     */
    public Request(long clientId, long sequence, RequestKind kind, long viewId, Bytes operation) {
        this(clientId, sequence, kind, viewId, operation, Bytes.EMPTY);
    }

    /**
     * This request with its signature field set.
     *
     * @param newSignature the client's signature over this request with an empty signature field
     * @return a copy that carries {@code newSignature}
     */
    public Request withSignature(Bytes newSignature) {
        return new Request(clientId, sequence, kind, viewId, operation, newSignature);
    }

    /**
     * The request's identity for duplicate detection.
     *
     * @return its client, sequence number and kind
     */
    public RequestId id() {
        return new RequestId(clientId, sequence, kind);
    }

    /**
     * Approximate wire size, used to bound batches without encoding them.
     *
     * @return the operation's and signature's lengths plus the fixed fields, in bytes
     */
    public int sizeBytes() {
        return 36 + operation.length() + signature.length();
    }
}
