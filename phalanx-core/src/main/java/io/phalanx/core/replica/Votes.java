package io.phalanx.core.replica;

import io.phalanx.core.message.Digest;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.function.Function;
import java.util.function.Predicate;

/**
 * One voting round of one instance (its WRITEs, or its ACCEPTs): one vote per sender. A second,
 * different vote from the same sender is refused, so an equivocating replica is counted once.
 *
 * <p>Two ways to find a quorum. {@link #quorum} counts votes as the channel authenticated them,
 * and checks no signature. {@link #verifiedQuorum} checks signatures lazily: only the votes that
 * would complete a quorum are verified, once each; a vote with a bad signature is thrown out (and
 * counted in {@link #takeRejected}), so a certificate built from it is valid, and the votes that
 * arrive after a quorum are never verified at all. WRITEs are unsigned and only ever counted.
 */
final class Votes<V> {
    private final Function<V, Integer> senderOf;
    private final Function<V, Digest> valueOf;
    private final Map<Integer, V> bySender = new TreeMap<>();
    private final Set<Integer> verified = new HashSet<>();
    private int rejected;

    Votes(Function<V, Integer> senderOf, Function<V, Digest> valueOf) {
        this.senderOf = senderOf;
        this.valueOf = valueOf;
    }

    /** Records a vote ({@code trusted}: this replica's own); false if its sender voted differently. */
    boolean add(V vote, boolean trusted) {
        int sender = senderOf.apply(vote);
        V previous = bySender.putIfAbsent(sender, vote);
        if (previous == null && trusted) {
            verified.add(sender);
        }
        return previous == null || previous.equals(vote);
    }

    /** The votes for {@code value} if their senders form a quorum, else null; no signature is checked. */
    List<V> quorum(Digest value, Predicate<Set<Integer>> isQuorum) {
        Set<Integer> voters = votersFor(value);
        if (!isQuorum.test(voters)) {
            return null;
        }
        List<V> votes = new ArrayList<>(voters.size());
        bySender.forEach((sender, vote) -> {
            if (voters.contains(sender)) {
                votes.add(vote);
            }
        });
        return votes;
    }

    /** The senders of the votes for {@code value}. */
    private Set<Integer> votersFor(Digest value) {
        Set<Integer> voters = new HashSet<>();
        bySender.forEach((sender, vote) -> {
            if (valueOf.apply(vote).equals(value)) {
                voters.add(sender);
            }
        });
        return voters;
    }

    /**
     * The validly signed votes for {@code value} if they form a quorum, else null. Signatures are
     * checked with {@code valid} only once all matching votes together would make a quorum.
     */
    List<V> verifiedQuorum(Digest value, Predicate<Set<Integer>> isQuorum, Predicate<V> valid) {
        Set<Integer> matching = votersFor(value);
        if (!isQuorum.test(matching)) {
            return null;
        }
        Set<Integer> voters = new HashSet<>();
        List<V> votes = new ArrayList<>();
        Iterator<Map.Entry<Integer, V>> it = bySender.entrySet().iterator();
        while (it.hasNext()) {
            Map.Entry<Integer, V> entry = it.next();
            if (!matching.contains(entry.getKey())) {
                continue;
            }
            if (verified.contains(entry.getKey()) || valid.test(entry.getValue())) {
                verified.add(entry.getKey());
                voters.add(entry.getKey());
                votes.add(entry.getValue());
            } else {
                it.remove();
                rejected++;
            }
        }
        return isQuorum.test(voters) ? votes : null;
    }

    /** Votes thrown out for bad signatures since the last call. */
    int takeRejected() {
        int taken = rejected;
        rejected = 0;
        return taken;
    }
}
