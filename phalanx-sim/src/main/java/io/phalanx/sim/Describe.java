package io.phalanx.sim;

import io.phalanx.core.message.Accept;
import io.phalanx.core.message.DecisionFetch;
import io.phalanx.core.message.DecisionPush;
import io.phalanx.core.message.Forward;
import io.phalanx.core.message.Stop;
import io.phalanx.core.message.StopData;
import io.phalanx.core.message.Sync;
import io.phalanx.core.message.Message;
import io.phalanx.core.message.Propose;
import io.phalanx.core.message.Reply;
import io.phalanx.core.message.Request;
import io.phalanx.core.message.VoteHistory;
import io.phalanx.core.message.Write;
import io.phalanx.core.crypto.Digests;

/** One-line, protocol-vocabulary renderings of messages for traces. */
final class Describe {
    private Describe() {
    }

    static String message(Message message) {
        if (message instanceof Request r) {
            return "REQUEST " + r.id() + " " + r.operation().length() + "B";
        } else if (message instanceof Reply r) {
            return "REPLY " + r.requestId() + " from r" + r.sender() + " = "
                    + (r.digestOnly() ? "digest " + r.result() : result(r.result()));
        } else if (message instanceof Propose p) {
            return "PROPOSE cid=" + p.consensusId() + " epoch=" + p.epoch() + " requests="
                    + p.batch().requests().size() + " digest=" + Digests.ofBatch(p.batch());
        } else if (message instanceof Write w) {
            return "WRITE cid=" + w.consensusId() + " epoch=" + w.epoch() + " digest=" + w.batchDigest();
        } else if (message instanceof Accept a) {
            return "ACCEPT cid=" + a.consensusId() + " epoch=" + a.epoch() + " digest=" + a.batchDigest();
        } else if (message instanceof Forward f) {
            return "FORWARD " + f.requests().size() + " requests";
        } else if (message instanceof Stop s) {
            return "STOP regency=" + s.regency() + " with " + s.requests().size() + " requests";
        } else if (message instanceof StopData d) {
            return "STOPDATA regency=" + d.regency() + " lastDecided=" + d.lastDecided()
                    + (d.votes().isEmpty() ? " no votes" : d.votes().stream().map(Describe::votes).toList());
        } else if (message instanceof Sync s) {
            return "SYNC regency=" + s.regency() + " evidence=" + s.proofs().size() + " chosen="
                    + (s.chosen().isEmpty() ? "free" : s.chosen().stream()
                    .map(b -> "cid=" + b.consensusId() + ":" + Digests.ofBatch(b.value())).toList());
        } else if (message instanceof DecisionFetch f) {
            return "FETCH decisions from cid=" + f.fromConsensusId();
        } else if (message instanceof DecisionPush p) {
            return "PUSH " + p.decisions().size() + " decisions"
                    + (p.decisions().isEmpty() ? "" : " from cid=" + p.decisions().get(0).consensusId());
        }
        return message.toString();
    }

    private static String votes(VoteHistory h) {
        return "votes cid=" + h.consensusId()
                + (h.accepted() == null ? " accepted nothing" : " accepted epoch=" + h.acceptedEpoch()
                + " digest=" + Digests.ofBatch(h.accepted()))
                + " wrote " + h.writes().stream().map(w -> w.epoch() + ":" + w.digest()).toList();
    }

    /** A key-value result in words, or its bytes if it is not one. */
    static String result(io.phalanx.core.message.Bytes result) {
        try {
            return io.phalanx.kv.KvResult.decode(result).toString();
        } catch (IllegalArgumentException e) {
            return result.toString();
        }
    }

    /** The suffix naming a twin by its side ("a" or "b"), empty for other nodes. */
    static String twin(int side) {
        return side < 0 ? "" : side == 0 ? "a" : "b";
    }

    static String node(int node) {
        return node >= 0 ? "r" + node : "c" + (-node);
    }
}
