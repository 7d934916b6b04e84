package io.phalanx.core.replica;

import io.phalanx.core.crypto.Digests;
import io.phalanx.core.message.Reply;
import io.phalanx.core.message.RequestKind;
import io.phalanx.core.view.View;

import java.util.Objects;

/**
 * Which replies a replica sends in full. With hashed replies, the full result of request
 * (client c, sequence s) comes from one replica, {@code members[(c + s) mod n]} — so the full
 * replies spread over the group — and every other replica sends only the result's SHA-256,
 * which the client counts as a vote for it. A client that has a quorum of matching digests but
 * no full copy (its sender is down, slow or lies) asks again at once, and replicas answer
 * retransmissions from their cache in full: one extra round trip, not a timeout.
 * Drivers apply the policy to first replies only.
 */
public final class ReplyPolicy {
    private final View view;
    private final int replicaId;
    private final boolean hashed;

    private ReplyPolicy(View view, int replicaId, boolean hashed) {
        this.view = Objects.requireNonNull(view, "view");
        this.replicaId = replicaId;
        this.hashed = hashed;
    }

    /**
     * The view whose members this policy takes turns among.
     *
     * @return the view it was made for
     */
    public View view() {
        return view;
    }

    /**
     * Every reply in full.
     *
     * @param view      the replica group
     * @param replicaId the replica applying the policy
     * @return a policy that leaves every reply as it is
     */
    public static ReplyPolicy fullReplies(View view, int replicaId) {
        return new ReplyPolicy(view, replicaId, false);
    }

    /**
     * One full reply per request, digests from the others.
     *
     * @param view      the replica group
     * @param replicaId the replica applying the policy
     * @return a policy that turns the replies another replica sends in full into digests
     */
    public static ReplyPolicy hashedReplies(View view, int replicaId) {
        return new ReplyPolicy(view, replicaId, true);
    }

    /**
     * The replica that sends the full result of {@code reply}'s request.
     *
     * @param reply a reply to the request
     * @return the id of {@code members[(clientId + sequence) mod n]}
     */
    public int fullReplier(Reply reply) {
        return fullReplier(view, reply.clientId(), reply.sequence());
    }

    /**
     * The replica that sends the full result of an ordered request when replies are hashed: the
     * rule replicas and clients share.
     *
     * @param view     the view the request is executed in
     * @param clientId the request's client
     * @param sequence the request's sequence number
     * @return the id of {@code members[(clientId + sequence) mod n]}
     */
    public static int fullReplier(View view, long clientId, long sequence) {
        return view.members().get((int) Math.floorMod(clientId + sequence, (long) view.n()));
    }

    /**
     * {@code full} itself, or its digest form if another replica sends this result in full.
     * Replies to read-only queries stay full: a query is executed afresh on every attempt, so a
     * client could not get a full copy by asking again.
     *
     * @param full a reply carrying the full result
     * @return the reply to send
     */
    public Reply shape(Reply full) {
        if (!hashed || full.digestOnly() || full.kind() != RequestKind.ORDERED || fullReplier(full) == replicaId) {
            return full;
        }
        return new Reply(full.sender(), full.clientId(), full.sequence(), full.kind(), full.viewId(), full.regency(),
                Digests.sha256(full.result().toArray()).value(), true);
    }
}
