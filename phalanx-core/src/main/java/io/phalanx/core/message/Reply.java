package io.phalanx.core.message;

import java.util.Objects;

/**
 * A replica's answer to one request. The client collects replies from several replicas and
 * accepts a result only when enough of them match (see {@code ClientCore}).
 *
 * @param sender    the replica that executed the request
 * @param clientId  the client the reply is for
 * @param sequence  the request's sequence number
 * @param kind      the request's kind (replies to ordered and unordered requests are matched
 *                  separately, as their sequence spaces are separate)
 * @param viewId    the replica's current view, so clients learn of reconfigurations
 * @param regency   the regency (epoch) that decided the request, or the latest decision's for a
 *                  read-only query: clients send new requests to that regency's leader
 *                  (see {@code ClientCore})
 * @param result    the service's result, or its SHA-256 digest if {@code digestOnly}
 * @param digestOnly true for a hashed reply: with hashed replies one replica per request sends
 *                  the full result and the others only its digest, which is enough to vote
 *                  for it and saves the bandwidth of large results n-1 times over
 */
public record Reply(int sender, long clientId, long sequence, RequestKind kind, long viewId, int regency, Bytes result,
                    boolean digestOnly) implements Message {
    /**
     * Checks that kind and result are present.
     *
     * @param sender     the replica that executed the request
     * @param clientId   the client the reply is for
     * @param sequence   the request's sequence number
     * @param kind       the request's kind
     * @param viewId     the replica's current view
     * @param regency    the regency that decided the request, or the latest decision's for a query
     * @param result     the service's result, or its SHA-256 digest if {@code digestOnly}
     * @param digestOnly true if {@code result} is the digest of the result
     */
    public Reply {
        Objects.requireNonNull(kind, "kind");
        Objects.requireNonNull(result, "result");
    }

    /**
     * A full reply, one that carries the result itself.
     *
     * @param sender   the replica that executed the request
     * @param clientId the client the reply is for
     * @param sequence the request's sequence number
     * @param kind     the request's kind
     * @param viewId   the replica's current view
     * @param regency  the regency that decided the request, or the latest decision's for a query
     * @param result   the service's result
     */
    public Reply(int sender, long clientId, long sequence, RequestKind kind, long viewId, int regency, Bytes result) {
        this(sender, clientId, sequence, kind, viewId, regency, result, false);
    }

    /**
     * The id of the request this reply answers.
     *
     * @return the request's client, sequence number and kind
     */
    public RequestId requestId() {
        return new RequestId(clientId, sequence, kind);
    }
}
