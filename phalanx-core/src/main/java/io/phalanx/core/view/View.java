package io.phalanx.core.view;

import io.phalanx.core.message.Bytes;

import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;

/**
 * The replica group: which replicas take part, how many of them may fail, and how.
 *
 * <p>Members are kept in a fixed order; regency {@code r} is led by {@code members[r mod n]}, so
 * every replica computes the same leader without talking. Views are immutable: a
 * reconfiguration produces a new view with a higher id.
 *
 * @param id      increases with every reconfiguration
 * @param members replica ids in leader-rotation order
 * @param f       how many members may be faulty
 * @param mode    the fault model
 * @param publicKeys each member's encoded public key (X.509 SubjectPublicKeyInfo; Ed25519 in the
 *                runtime), so that anyone holding the view can check the certificates and
 *                decision proofs its members sign; empty where keys come from elsewhere (the
 *                simulator)
 * @param addresses  where each member listens, so that whoever learns the view can reach its
 *                members; empty where the network is not addressed that way (the simulator)
 */
public record View(long id, List<Integer> members, int f, Mode mode, Map<Integer, Bytes> publicKeys,
                   Map<Integer, Addresses> addresses) {
    /**
     * Copies the collections and checks that the parameters work together.
     *
     * @param id         the view id, at least 0
     * @param members    distinct non-negative replica ids in leader-rotation order, at least
     *                   {@link #minimumSize minimumSize(f, mode)} of them
     * @param f          how many members may be faulty, at least 0
     * @param mode       the fault model
     * @param publicKeys encoded public keys of members only, no two alike
     * @param addresses  addresses of members only, no two members sharing a mesh or a client address
     * @throws InvalidViewException if a check fails; the message names it
     */
    public View {
        Objects.requireNonNull(mode, "mode");
        members = List.copyOf(Objects.requireNonNull(members, "members"));
        publicKeys = Map.copyOf(Objects.requireNonNull(publicKeys, "publicKeys"));
        addresses = Map.copyOf(Objects.requireNonNull(addresses, "addresses"));
        validate(id, members, f, mode);
        Map<Bytes, Integer> keyOwners = new java.util.HashMap<>();
        for (Map.Entry<Integer, Bytes> keyed : publicKeys.entrySet()) {
            if (!members.contains(keyed.getKey())) {
                throw new InvalidViewException("public key given for replica " + keyed.getKey() + ", which is not a member");
            }
            Integer other = keyOwners.putIfAbsent(keyed.getValue(), keyed.getKey());
            if (other != null) {
                throw new InvalidViewException("replicas " + Math.min(other, keyed.getKey()) + " and "
                        + Math.max(other, keyed.getKey()) + " have the same public key");
            }
        }
        Map<String, Integer> addressOwners = new java.util.HashMap<>();
        for (Map.Entry<Integer, Addresses> addressed : new java.util.TreeMap<>(addresses).entrySet()) {
            int replica = addressed.getKey();
            if (!members.contains(replica)) {
                throw new InvalidViewException("addresses given for replica " + replica + ", which is not a member");
            }
            for (String address : List.of(addressed.getValue().mesh(), addressed.getValue().client())) {
                Integer other = addressOwners.putIfAbsent(address, replica);
                if (other != null) {
                    throw new InvalidViewException(other == replica
                            ? "replica " + replica + " uses " + address + " as both its mesh and its client address"
                            : "replicas " + other + " and " + replica + " both use address " + address);
                }
            }
        }
    }

    /**
     * A view with public keys but no addresses.
     *
     * @param id         the view id, at least 0
     * @param members    distinct non-negative replica ids in leader-rotation order
     * @param f          how many members may be faulty
     * @param mode       the fault model
     * @param publicKeys encoded public keys of members only
     * @throws InvalidViewException if the parameters do not work together
     */
    public View(long id, List<Integer> members, int f, Mode mode, Map<Integer, Bytes> publicKeys) {
        this(id, members, f, mode, publicKeys, Map.of());
    }

    /**
     * A view without public keys.
     *
     * @param id      the view id, at least 0
     * @param members distinct non-negative replica ids in leader-rotation order
     * @param f       how many members may be faulty
     * @param mode    the fault model
     * @throws InvalidViewException if the parameters do not work together
     */
    public View(long id, List<Integer> members, int f, Mode mode) {
        this(id, members, f, mode, Map.of());
    }

    /**
     * A view whose members are 0..n-1.
     *
     * @param id   the view id, at least 0
     * @param n    the number of members
     * @param f    how many members may be faulty
     * @param mode the fault model
     * @return a view without public keys
     * @throws InvalidViewException if the parameters do not work together
     */
    public static View of(long id, int n, int f, Mode mode) {
        Integer[] ids = new Integer[Math.max(n, 0)];
        for (int i = 0; i < ids.length; i++) {
            ids[i] = i;
        }
        return new View(id, List.of(ids), f, mode);
    }

    private static void validate(long id, List<Integer> members, int f, Mode mode) {
        if (id < 0) {
            throw new InvalidViewException("view id must be >= 0, got " + id);
        }
        if (f < 0) {
            throw new InvalidViewException("f must be >= 0, got " + f);
        }
        if (members.isEmpty()) {
            throw new InvalidViewException("a view needs at least one member");
        }
        Set<Integer> seen = new HashSet<>();
        for (int member : members) {
            if (member < 0) {
                throw new InvalidViewException("replica ids must be >= 0, got " + member);
            }
            if (!seen.add(member)) {
                throw new InvalidViewException("replica id " + member + " appears twice in the view");
            }
        }
        int n = members.size();
        long needed = minimumSizeOf(f, mode); // long: 3f+1 must not wrap around for a huge f
        if (n < needed) {
            throw new InvalidViewException(mode + " mode with f=" + f + " needs n >= " + needed
                    + " (" + (mode == Mode.BFT ? "3f+1" : "2f+1") + "), but the view has n=" + n);
        }
    }

    /**
     * Smallest group that tolerates {@code f} faults in {@code mode}; fails if that is no int.
     *
     * @param f    how many members may be faulty
     * @param mode the fault model
     * @return 3f+1 for BFT, 2f+1 for CFT
     * @throws ArithmeticException if the size overflows an int
     */
    public static int minimumSize(int f, Mode mode) {
        return Math.toIntExact(minimumSizeOf(f, mode));
    }

    private static long minimumSizeOf(int f, Mode mode) {
        return mode == Mode.BFT ? 3L * f + 1 : 2L * f + 1;
    }

    /**
     * The group's size.
     *
     * @return the number of members
     */
    public int n() {
        return members.size();
    }

    /**
     * Whether a replica belongs to this view.
     *
     * @param replicaId the replica id to look up
     * @return true if it is a member
     */
    public boolean contains(int replicaId) {
        return members.contains(replicaId);
    }

    /**
     * The leader of regency {@code regency}: members rotate round-robin.
     *
     * @param regency the regency
     * @return the id of {@code members[regency mod n]}
     */
    public int leaderOf(int regency) {
        return members.get(Math.floorMod(regency, members.size()));
    }

    /**
     * The quorum rules of this view.
     *
     * @return a quorum system over this view's members
     */
    public QuorumSystem quorums() {
        return new ThresholdQuorumSystem(this);
    }
}
