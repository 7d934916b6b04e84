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
 * @param result    the service's result
 */
public record Reply(int sender, long clientId, long sequence, RequestKind kind, long viewId, Bytes result)
        implements Message {
    public Reply {
        Objects.requireNonNull(kind, "kind");
        Objects.requireNonNull(result, "result");
    }

    public RequestId requestId() {
        return new RequestId(clientId, sequence, kind);
    }
}
