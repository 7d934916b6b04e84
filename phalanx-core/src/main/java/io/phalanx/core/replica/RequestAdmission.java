package io.phalanx.core.replica;

import io.phalanx.core.message.Forward;
import io.phalanx.core.message.Refusal;
import io.phalanx.core.message.Request;
import io.phalanx.core.message.RequestKind;

import java.util.List;

/**
 * Client sessions at the ordering layer: decides what happens to a client request on arrival —
 * answered without ordering (read-only), queued for ordering, recognised as a retransmission, or
 * refused — keeping each client within its sequence window. Requests relayed by replicas (in a
 * FORWARD or a STOP) pass the same checks, signature included, as ones from the client itself.
 */
final class RequestAdmission {
    private final ReplicaState state;
    private final Proofs proofs;

    RequestAdmission(ReplicaState state, Proofs proofs) {
        this.state = state;
        this.proofs = proofs;
    }

    /**
     * A request received directly from its client (over a channel authenticated as that client,
     * so a retransmission of a decided request is answered from the reply cache at once).
     *
     * <p>Clients send new requests to the leader they know of ({@code ClientCore}); a follower
     * that gets one (the client's leader is out of date, or it sent to every replica) passes it
     * to the current leader at once, in a FORWARD, and keeps it pending under its request timer
     * as always. If that leader does not order it, the timer forwards it to every replica and
     * then asks for a leader change.
     *
     * @return true if the request was queued for ordering (the open instances may move)
     */
    boolean onRequest(Effects effects, Request request) {
        // Clients address the newest view this replica knows, even one whose instances are still
        // to come: it is the view they must learn.
        long viewId = state.views.latest().id();
        if (request.viewId() != viewId || !state.views.latest().contains(state.id)) {
            state.counters.increment(Counter.REQUEST_WRONG_VIEW);
            if ((request.viewId() < viewId || !state.views.latest().contains(state.id)) && request.kind() == RequestKind.ORDERED) {
                // Its client does not know this view yet. A request for a newer view than this
                // replica's gets no answer: the replica is behind (it asks its peers where they
                // stand, StateTransfer#onNewerViewRequested), and the others answer it.
                effects.refuse(new Refusal(state.id, request.clientId(), request.sequence(),
                        Refusal.Reason.VIEW_OUTDATED, viewId, state.encodedLatestView()));
            }
            return false;
        }
        if (request.kind() == RequestKind.UNORDERED) {
            if (state.recovering || state.lastDecided < state.readFloor) {
                // Its state may be older than replies it gave before its restart: answering a
                // read now could complete a quorum of stale answers. The client falls back to
                // ordering the read.
                state.counters.increment(Counter.QUERY_WHILE_RECOVERING);
            } else if (wellFormed(request)) {
                effects.executeUnordered(request);
            }
            return false;
        }
        Refusal.Reason refused = sessionRefusal(request);
        if (refused != null) {
            state.counters.increment(Counter.REQUEST_REFUSED);
            effects.refuse(new Refusal(state.id, request.clientId(), request.sequence(), refused, viewId));
            return false;
        }
        if (state.isDecided(request.clientId(), request.sequence())) {
            state.counters.increment(Counter.REPLY_RESENT);
            effects.resendReply(request.id());
            return false;
        }
        if (enqueue(request)) {
            if (!state.isLeader() && state.active()) {
                state.counters.increment(Counter.FORWARDED_TO_LEADER);
                effects.send(state.leader(), new Forward(state.id, List.of(request)));
            }
            return true;
        }
        return false;
    }

    /**
     * Why the client's sessions rule {@code request} out, or null if they do not. A request of a
     * session that a newer one ended, of a session this replica does not know past its first
     * window (see {@link SequenceWindow}), or of a session evicted to stay within
     * {@code clientsMax} (see {@link ClientSessions}), is never ordered; the client gets a {@link Refusal}
     * (the driver sends a still-cached reply instead, if there is one), so it can fail the call
     * with the reason rather than retransmit into silence until its call times out. The answer
     * is local to this replica, like a reply from its cache; the client acts on a quorum of them.
     */
    private Refusal.Reason sessionRefusal(Request request) {
        return state.decidedByClient.refusal(request.clientId(), request.sequence());
    }

    /**
     * Requests relayed by a replica (in a FORWARD or a STOP); returns true if any was new here and
     * queued (the open instances may move).
     */
    boolean onRelayed(List<Request> requests) {
        boolean queued = false;
        for (Request request : requests) {
            queued |= onRelayed(request);
        }
        return queued;
    }

    private boolean onRelayed(Request request) {
        if (request.kind() != RequestKind.ORDERED) {
            state.counters.increment(Counter.INVALID_REQUEST);
            return false;
        }
        if (request.viewId() != state.views.latest().id() && request.viewId() != state.view().id()) {
            state.counters.increment(Counter.REQUEST_WRONG_VIEW);
            return false;
        }
        return !state.isDecided(request.clientId(), request.sequence()) && enqueue(request);
    }

    private boolean wellFormed(Request request) {
        if (request.operation().length() > state.config.operationBytesMax()) {
            state.counters.increment(Counter.INVALID_REQUEST);
            return false;
        }
        if (!proofs.validRequest(request)) {
            state.counters.increment(Counter.BAD_SIGNATURE);
            return false;
        }
        return true;
    }

    /**
     * Whether the service's check lets {@code request} be ordered. An administrator's request is
     * not the service's to judge: the service never sees it (the core installs the view change).
     */
    private boolean serviceAccepts(Request request) {
        return Administration.isAdmin(state.config, request) || state.verifier.isValid(request);
    }

    /** Queues a new ordered request; the cheap duplicate check comes before the signature check. */
    private boolean enqueue(Request request) {
        if (state.pending.contains(request.id())) {
            state.counters.increment(Counter.DUPLICATE_REQUEST);
            return false;
        }
        if (!wellFormed(request)) {
            return false;
        }
        if (!state.admits(request.clientId(), request.sequence()) || !serviceAccepts(request)) {
            state.counters.increment(Counter.INVALID_REQUEST);
            return false;
        }
        if (state.pending.isFull()) {
            state.counters.increment(Counter.PENDING_FULL);
            return false;
        }
        state.pending.add(request, state.nowMs);
        return true;
    }
}
