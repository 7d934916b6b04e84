package io.phalanx.core.message;

/**
 * Identifies a request: the client, its sequence number and the sequence space it belongs to.
 *
 * @param clientId the client that sent the request
 * @param sequence the request's sequence number within its kind
 * @param kind     the sequence space: ordered or unordered
 */
public record RequestId(long clientId, long sequence, RequestKind kind) {
    @Override
    public String toString() {
        return "c" + clientId + (kind == RequestKind.ORDERED ? "#" : "?") + sequence;
    }
}
