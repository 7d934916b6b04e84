package io.phalanx.core.message;

/** Identifies a request: the client, its sequence number and the sequence space it belongs to. */
public record RequestId(long clientId, long sequence, RequestKind kind) {
    @Override
    public String toString() {
        return "c" + clientId + (kind == RequestKind.ORDERED ? "#" : "?") + sequence;
    }
}
