package io.phalanx.core.replica;

import io.phalanx.core.message.Batch;
import io.phalanx.core.message.Request;
import io.phalanx.core.message.RequestId;
import io.phalanx.core.message.RequestKind;

import java.util.Set;

/**
 * The checks a follower makes before it votes for a proposal: a leader may be Byzantine, so
 * nothing in the batch is taken on trust. A proposal is checked once every open instance before
 * it has a value, against the decided log and those values. Returns a reason for refusal, or
 * null if valid.
 */
final class ProposalValidator {
    private final ReplicaState state;
    private final Proofs proofs;

    ProposalValidator(ReplicaState state, Proofs proofs) {
        this.state = state;
        this.proofs = proofs;
    }

    /**
     * @param emptyAllowed whether an empty batch is valid here: only to fill an instance before
     *                     one whose value the regency's SYNC bound (instances decide in order), or
     *                     before the first instance of a new view
     * @param epoch        the epoch (regency) of the proposal, which the batch must name
     */
    String check(long consensusId, int epoch, Batch batch, boolean emptyAllowed) {
        ReplicaConfig config = state.config;
        if (batch.regency() != epoch) {
            return "batch names regency " + batch.regency() + " in a proposal of regency " + epoch;
        }
        if (batch.requests().isEmpty() && !emptyAllowed) {
            return "empty batch";
        }
        if (batch.requests().size() > config.batchRequestsMax()) {
            return "batch of " + batch.requests().size() + " requests exceeds batchRequestsMax " + config.batchRequestsMax();
        }
        if (batch.sizeBytes() > config.batchBytesMax()) {
            return "batch of " + batch.sizeBytes() + " bytes exceeds batchBytesMax " + config.batchBytesMax();
        }
        long previousTimestamp = state.previousTimestamp(consensusId);
        if (batch.timestampMs() < previousTimestamp) {
            return "timestamp " + batch.timestampMs() + " precedes the previous batch's " + previousTimestamp;
        }
        if (Math.abs(batch.timestampMs() - state.nowMs) > config.clockSkewMaxMs()) {
            return "timestamp " + batch.timestampMs() + " is more than " + config.clockSkewMaxMs()
                    + " ms from local time " + state.nowMs;
        }
        Set<RequestId> seen = state.requestsOpenBefore(consensusId);
        long viewId = state.viewAt(consensusId).id();
        for (Request request : batch.requests()) {
            String reason = checkRequest(request, viewId, seen);
            if (reason != null) {
                return reason;
            }
        }
        return checkCaughtUp(batch);
    }

    /**
     * The members a batch names as caught up: only in a batch with an administrator's request,
     * members of a view this replica knows, in increasing order.
     */
    private String checkCaughtUp(Batch batch) {
        if (batch.caughtUp().isEmpty()) {
            return null;
        }
        if (batch.requests().stream().noneMatch(r -> Administration.isAdmin(state.config, r))) {
            return "batch names caught-up members but holds no administrator's request";
        }
        int previous = -1;
        for (int member : batch.caughtUp()) {
            if (member <= previous || !state.views.anyContains(member)) {
                return "batch names caught-up members " + batch.caughtUp() + ": not members in increasing order";
            }
            previous = member;
        }
        return null;
    }

    /**
     * Whether a request for view {@code requestViewId} may be ordered in an instance of view
     * {@code viewId}: the same view, or one next to it, since around a reconfiguration requests
     * admitted in the view before are still ordered in the first instances of the new one, and a
     * client that learned the new view early sends for it before its instances begin.
     */
    static boolean fitsView(long requestViewId, long viewId) {
        return Math.abs(requestViewId - viewId) <= 1;
    }

    private String checkRequest(Request request, long viewId, Set<RequestId> seen) {
        if (request.kind() != RequestKind.ORDERED) {
            return "unordered request " + request.id() + " in a batch";
        }
        if (!fitsView(request.viewId(), viewId)) {
            return "request " + request.id() + " is for view " + request.viewId() + ", far from view " + viewId;
        }
        if (request.operation().length() > state.config.operationBytesMax()) {
            return "request " + request.id() + " exceeds operationBytesMax";
        }
        if (!seen.add(request.id())) {
            return "request " + request.id() + " appears twice, or already in an earlier open instance";
        }
        if (!state.decidedByClient.admitsInProposal(request.clientId(), request.sequence())) {
            return "request " + request.id() + " is already decided or outside the client's window";
        }
        if (!proofs.validRequest(request)) {
            return "request " + request.id() + " lacks a valid client signature";
        }
        if (!Administration.isAdmin(state.config, request) && !state.verifier.isValid(request)) { // the service never sees an administrator's request
            return "the service refused request " + request.id();
        }
        return null;
    }
}
