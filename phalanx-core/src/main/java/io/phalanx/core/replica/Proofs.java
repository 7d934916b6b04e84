package io.phalanx.core.replica;

import io.phalanx.core.codec.MessageCodec;
import io.phalanx.core.crypto.Digests;
import io.phalanx.core.message.Accept;
import io.phalanx.core.message.Batch;
import io.phalanx.core.message.Decision;
import io.phalanx.core.message.Digest;
import io.phalanx.core.message.Request;
import io.phalanx.core.message.RequestId;
import io.phalanx.core.message.StopData;
import io.phalanx.core.message.Write;
import io.phalanx.core.message.WriteCertificate;
import io.phalanx.core.view.Mode;

import io.phalanx.core.message.RequestId;

import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.List;
import java.util.Set;

/**
 * Checks everything a replica accepts as proof rather than on trust — signed votes, decision
 * proofs, write certificates, STOPDATA — and computes the leader-change choice rule, which the
 * new leader and every follower run on the same signed data. Each check returns null when the
 * evidence holds, or the reason it does not.
 */
final class Proofs {
    /** The outcome of the choice rule over a quorum of STOPDATA. */
    record Choice(long maxLastDecided, int mostAdvancedSender, Batch chosen) {
    }

    private final ReplicaState state;
    /**
     * Requests whose client signature was checked recently, so a request that arrived from its
     * client and comes back inside a PROPOSE (or a FORWARD or STOP) is not verified twice. Equal
     * requests carry equal bytes and signature, so a hit needs no new check. Bounded LRU.
     */
    private final Map<RequestId, Request> verifiedRequests;

    Proofs(ReplicaState state) {
        this.state = state;
        int capacity = state.config.pendingRequestsMax();
        this.verifiedRequests = new LinkedHashMap<>(16, 0.75f, true) {
            @Override
            protected boolean removeEldestEntry(Map.Entry<RequestId, Request> eldest) {
                return size() > capacity;
            }
        };
    }

    boolean validWrite(Write write) {
        return state.view.contains(write.sender())
                && state.signatures.verifyReplica(write.sender(), MessageCodec.signedBytes(write), write.signature());
    }

    boolean validAccept(Accept accept) {
        return state.view.contains(accept.sender())
                && state.signatures.verifyReplica(accept.sender(), MessageCodec.signedBytes(accept), accept.signature());
    }

    boolean validRequest(Request request) {
        if (!state.config.clientSignaturesRequired() || request.equals(verifiedRequests.get(request.id()))) {
            return true;
        }
        boolean valid = state.signatures.verifyClient(request.clientId(), MessageCodec.signedBytes(request),
                request.signature());
        if (valid) {
            verifiedRequests.put(request.id(), request);
        }
        return valid;
    }

    /** A quorum of distinct, validly signed ACCEPTs for one (instance, epoch, digest). */
    String checkDecisionProof(long consensusId, int epoch, Digest digest, List<Accept> proof) {
        Set<Integer> senders = new HashSet<>();
        for (Accept a : proof) {
            if (a.consensusId() != consensusId || a.epoch() != epoch || !a.batchDigest().equals(digest)) {
                return "proof of " + consensusId + " holds an ACCEPT for another instance, epoch or value";
            }
            if (!senders.add(a.sender())) {
                return "proof of " + consensusId + " counts replica " + a.sender() + " twice";
            }
            if (!validAccept(a)) {
                return "proof of " + consensusId + " has a bad signature from replica " + a.sender();
            }
        }
        return state.quorums.isQuorum(senders) ? null : "proof of " + consensusId + " is not a quorum: " + senders;
    }

    String checkDecision(Decision decision) {
        if (!Digests.ofBatch(decision.batch()).equals(decision.digest())) {
            return "decision " + decision.consensusId() + " carries a batch that does not match its digest";
        }
        return checkDecisionProof(decision.consensusId(), decision.epoch(), decision.digest(), decision.proof());
    }

    /** In BFT mode a quorum of validly signed WRITEs for the batch; in CFT mode the reporter's word. */
    String checkCertificate(WriteCertificate certificate) {
        if (state.view.mode() == Mode.CFT) {
            return null;
        }
        Digest digest = Digests.ofBatch(certificate.batch());
        Set<Integer> senders = new HashSet<>();
        for (Write w : certificate.writes()) {
            if (w.consensusId() != certificate.consensusId() || w.epoch() != certificate.epoch()
                    || !w.batchDigest().equals(digest)) {
                return "certificate holds a WRITE for another instance, epoch or value";
            }
            if (!senders.add(w.sender()) || !validWrite(w)) {
                return "certificate has a duplicate or badly signed WRITE from replica " + w.sender();
            }
        }
        return state.quorums.isQuorum(senders) ? null : "certificate is not a quorum: " + senders;
    }

    /** A STOPDATA for {@code regency}, signed by its sender, whose proof and certificate hold. */
    String checkStopData(StopData data, int regency) {
        if (data.regency() != regency) {
            return "STOPDATA for regency " + data.regency() + ", expected " + regency;
        }
        if (!state.view.contains(data.sender())
                || !state.signatures.verifyReplica(data.sender(), MessageCodec.signedBytes(data), data.signature())) {
            return "STOPDATA from " + data.sender() + " is not signed by a member";
        }
        if (data.lastDecided() < -1 || (data.lastDecided() == -1) != data.decisionProof().isEmpty()) {
            return "STOPDATA from " + data.sender() + " has an inconsistent decision proof";
        }
        if (data.lastDecided() >= 0) {
            Accept first = data.decisionProof().get(0);
            String reason = checkDecisionProof(data.lastDecided(), first.epoch(), first.batchDigest(), data.decisionProof());
            if (reason != null) {
                return reason;
            }
        }
        WriteCertificate certificate = data.certificate();
        if (certificate == null) {
            return null;
        }
        if (certificate.consensusId() != data.lastDecided() + 1 || certificate.epoch() >= regency) {
            return "STOPDATA from " + data.sender() + " has a certificate for instance " + certificate.consensusId()
                    + " epoch " + certificate.epoch();
        }
        return checkCertificate(certificate);
    }

    /**
     * The choice rule, over STOPDATAs already checked: the first open instance is the one after
     * the highest proven decision; if any STOPDATA holds a certificate for it, the value of the
     * highest-epoch certificate must be proposed (ties broken by lowest sender, which only a
     * broken fault assumption could make matter); otherwise the leader proposes freely (null).
     */
    static Choice choose(Iterable<StopData> proofs) {
        long maxDecided = -1;
        int mostAdvanced = -1;
        for (StopData d : proofs) {
            if (mostAdvanced < 0 || d.lastDecided() > maxDecided) {
                maxDecided = d.lastDecided();
                mostAdvanced = d.sender();
            }
        }
        WriteCertificate best = null;
        int bestSender = Integer.MAX_VALUE;
        for (StopData d : proofs) {
            WriteCertificate c = d.certificate();
            if (c == null || c.consensusId() != maxDecided + 1) {
                continue;
            }
            if (best == null || c.epoch() > best.epoch() || (c.epoch() == best.epoch() && d.sender() < bestSender)) {
                best = c;
                bestSender = d.sender();
            }
        }
        return new Choice(maxDecided, mostAdvanced, best == null ? null : best.batch());
    }
}
