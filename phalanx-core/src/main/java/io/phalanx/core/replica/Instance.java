package io.phalanx.core.replica;

import io.phalanx.core.message.Accept;
import io.phalanx.core.message.Batch;
import io.phalanx.core.message.Digest;
import io.phalanx.core.message.Propose;
import io.phalanx.core.message.Write;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.function.Predicate;

/**
 * The state of one consensus instance at one replica in the current epoch: the proposal (once
 * seen and validated), and the WRITE and ACCEPT votes per sender. A leader change discards it
 * (votes of an old epoch never count in a new one); what must survive, the write certificate,
 * lives in {@link ReplicaState}.
 *
 * <p>Each sender gets one vote per round: a second, different vote from the same sender is
 * refused, so an equivocating replica cannot be counted for two values. Signatures are checked
 * lazily: only the votes that would complete a quorum are verified, once each, and a vote with a
 * bad signature is thrown out — so every certificate and decision proof this replica builds is
 * valid, without verifying the votes that arrive after a quorum.
 */
final class Instance {
    final long consensusId;
    final int epoch;
    /** The value of this instance in this epoch (validated or certified); null until known. */
    Batch batch;
    Digest digest;
    /** A proposal that arrived before this instance could be opened. */
    Propose bufferedProposal;
    /** What this replica said in this instance, kept to retransmit over lossy links. */
    Propose ownPropose;
    Write ownWrite;
    Accept ownAccept;
    boolean writeSent;
    boolean acceptSent;
    private final Map<Integer, Write> writes = new TreeMap<>();
    private final Map<Integer, Accept> accepts = new TreeMap<>();
    private final Set<Integer> verifiedWriters = new HashSet<>();
    private final Set<Integer> verifiedAcceptors = new HashSet<>();

    Instance(long consensusId, int epoch) {
        this.consensusId = consensusId;
        this.epoch = epoch;
    }

    /** Records a WRITE; false if the sender already voted differently. */
    boolean addWrite(Write write, boolean verified) {
        Write previous = writes.putIfAbsent(write.sender(), write);
        if (previous == null && verified) {
            verifiedWriters.add(write.sender());
        }
        return previous == null || previous.equals(write);
    }

    /** Records an ACCEPT; false if the sender already voted differently. */
    boolean addAccept(Accept accept, boolean verified) {
        Accept previous = accepts.putIfAbsent(accept.sender(), accept);
        if (previous == null && verified) {
            verifiedAcceptors.add(accept.sender());
        }
        return previous == null || previous.equals(accept);
    }

    /**
     * The senders of WRITEs for {@code value} whose signatures are valid, verifying (with
     * {@code valid}) only once all matching votes together would make a quorum; returns the number
     * of votes thrown out through {@code rejected}.
     */
    Set<Integer> verifiedWritersOf(Digest value, Predicate<Set<Integer>> isQuorum, Predicate<Write> valid, int[] rejected) {
        return verifiedVoters(writes, verifiedWriters, w -> w.batchDigest().equals(value), isQuorum, valid, rejected);
    }

    Set<Integer> verifiedAcceptorsOf(Digest value, Predicate<Set<Integer>> isQuorum, Predicate<Accept> valid, int[] rejected) {
        return verifiedVoters(accepts, verifiedAcceptors, a -> a.batchDigest().equals(value), isQuorum, valid, rejected);
    }

    private static <V> Set<Integer> verifiedVoters(Map<Integer, V> votes, Set<Integer> verified, Predicate<V> forValue,
                                                  Predicate<Set<Integer>> isQuorum, Predicate<V> valid,
                                                  int[] rejected) {
        Set<Integer> matching = new HashSet<>();
        votes.forEach((sender, vote) -> {
            if (forValue.test(vote)) {
                matching.add(sender);
            }
        });
        Set<Integer> voters = new HashSet<>();
        boolean verifyNow = isQuorum.test(matching);
        Iterator<Map.Entry<Integer, V>> it = votes.entrySet().iterator();
        while (it.hasNext()) {
            Map.Entry<Integer, V> entry = it.next();
            if (!forValue.test(entry.getValue())) {
                continue;
            }
            if (!verified.contains(entry.getKey()) && verifyNow) {
                if (valid.test(entry.getValue())) {
                    verified.add(entry.getKey());
                } else {
                    it.remove();
                    rejected[0]++;
                    continue;
                }
            }
            if (verified.contains(entry.getKey())) {
                voters.add(entry.getKey());
            }
        }
        return voters;
    }

    /** The verified WRITEs for {@code value}: a write certificate once they are a quorum. */
    List<Write> verifiedWritesFor(Digest value) {
        List<Write> out = new ArrayList<>();
        for (Write w : writes.values()) {
            if (w.batchDigest().equals(value) && verifiedWriters.contains(w.sender())) {
                out.add(w);
            }
        }
        return out;
    }

    /** The verified ACCEPTs for {@code value}: the decision's proof once they are a quorum. */
    List<Accept> verifiedAcceptsFor(Digest value) {
        List<Accept> out = new ArrayList<>();
        for (Accept a : accepts.values()) {
            if (a.batchDigest().equals(value) && verifiedAcceptors.contains(a.sender())) {
                out.add(a);
            }
        }
        return out;
    }

    boolean hasValue() {
        return batch != null;
    }
}
