package io.phalanx.core.replica;

import io.phalanx.core.message.Accept;
import io.phalanx.core.message.Batch;
import io.phalanx.core.message.Digest;
import io.phalanx.core.message.Write;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.stream.Collectors;

/**
 * The state of one consensus instance at one replica, for the current epoch: the proposal (once
 * seen and validated), and the WRITE and ACCEPT votes per sender.
 *
 * <p>Each sender gets one vote per round: a second, different vote from the same sender is
 * refused, so an equivocating replica cannot be counted for two values.
 */
final class Instance {
    final long consensusId;
    int epoch;
    /** The leader's proposal, validated; null until then. */
    Batch batch;
    Digest digest;
    /** A proposal that arrived before this instance became the next one to decide. */
    io.phalanx.core.message.Propose bufferedProposal;
    boolean wroteSent;
    boolean acceptSent;
    private final Map<Integer, Write> writes = new HashMap<>();
    private final Map<Integer, Accept> accepts = new TreeMap<>();

    Instance(long consensusId, int epoch) {
        this.consensusId = consensusId;
        this.epoch = epoch;
    }

    /** Records a WRITE; false if the sender already voted differently. */
    boolean addWrite(Write write) {
        Write previous = writes.putIfAbsent(write.sender(), write);
        return previous == null || previous.equals(write);
    }

    /** Records an ACCEPT; false if the sender already voted differently. */
    boolean addAccept(Accept accept) {
        Accept previous = accepts.putIfAbsent(accept.sender(), accept);
        return previous == null || previous.equals(accept);
    }

    Set<Integer> writersOf(Digest value) {
        return writes.values().stream().filter(w -> w.batchDigest().equals(value))
                .map(Write::sender).collect(Collectors.toSet());
    }

    Set<Integer> acceptorsOf(Digest value) {
        return accepts.values().stream().filter(a -> a.batchDigest().equals(value))
                .map(Accept::sender).collect(Collectors.toSet());
    }

    List<Accept> acceptsFor(Digest value) {
        List<Accept> proof = new ArrayList<>();
        for (Accept a : accepts.values()) {
            if (a.batchDigest().equals(value)) {
                proof.add(a);
            }
        }
        return proof;
    }

    boolean hasProposal() {
        return batch != null;
    }
}
