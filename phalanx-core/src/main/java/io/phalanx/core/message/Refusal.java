package io.phalanx.core.message;

import java.util.Objects;

/**
 * A replica's explicit "no" to an ordered request it will not order, sent instead of silence so
 * the client can end the call with an error that says why (see {@code ClientCore}). A replica
 * sends one only to a request that came straight from its client.
 *
 * @param sender   the refusing replica
 * @param clientId the client the refusal is for
 * @param sequence the refused request's sequence number
 * @param reason   why it is refused
 * @param viewId   the refusing replica's view (for {@link Reason#VIEW_OUTDATED}, the view the client must learn)
 * @param view     for {@link Reason#VIEW_OUTDATED}, that view encoded ({@code MessageCodec.encodeView}),
 *                 which the client adopts once f+1 members of the view it knows sent the same; empty otherwise
 */
public record Refusal(int sender, long clientId, long sequence, Reason reason, long viewId, Bytes view) implements Message {
    /**
     * Checks that the reason is present.
     *
     * @param sender   the refusing replica
     * @param clientId the client the refusal is for
     * @param sequence the refused request's sequence number
     * @param reason   why it is refused
     * @param viewId   the refusing replica's view
     * @param view     the encoded view for {@link Reason#VIEW_OUTDATED}, or empty
     */
    public Refusal {
        Objects.requireNonNull(reason, "reason");
        Objects.requireNonNull(view, "view");
    }

    /**
     * A refusal that carries no view.
     *
     * @param sender   the refusing replica
     * @param clientId the client the refusal is for
     * @param sequence the refused request's sequence number
     * @param reason   why it is refused
     * @param viewId   the refusing replica's view
     */
    public Refusal(int sender, long clientId, long sequence, Reason reason, long viewId) {
        this(sender, clientId, sequence, reason, viewId, Bytes.EMPTY);
    }

    /**
     * The id of the refused request, which is always an ordered one.
     *
     * @return the refused ordered request's id
     */
    public RequestId requestId() {
        return new RequestId(clientId, sequence, RequestKind.ORDERED);
    }

    /** Why a replica refuses a request; the wire value is the ordinal, so only append. */
    public enum Reason {
        /**
         * A request of a newer session of the same client id was decided, which ends every older
         * session: no request of this session is executed any more.
         */
        SESSION_SUPERSEDED,
        /**
         * The replica knows nothing of this session (it lost its state, e.g. restarted without
         * durable storage) and admits a session it does not know only from its first
         * {@code clientWindowMax} sequence numbers, since it cannot tell which later ones already
         * ran; or it evicted the session to keep at most {@code clientsMax}, and admits none of
         * its requests any more. Either way the client must begin a new session.
         */
        SESSION_UNKNOWN,
        /**
         * The request names an older view than the replica's ({@link Refusal#viewId}): the
         * replicas of that view are not the ones that order it now, so it is not ordered in it.
         * The client must learn the newer view and send its requests there.
         */
        VIEW_OUTDATED
    }
}
