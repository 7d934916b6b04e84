package io.phalanx.core.view;

import io.phalanx.core.message.Bytes;

import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;

/**
 * One change of a view, as an administrator asks for it: add a replica, remove one, replace one's
 * key or addresses, or set f. Each changes at most one member, so consecutive views always share
 * all members but one, and {@link #applyTo} says exactly why a change cannot be made.
 *
 * <p>The leader rule. A change decided in a batch proposed in regency {@code r} keeps the leader
 * of {@code r} ({@link #applyTo(View, int)}): the new view's members are ordered so that
 * {@code leaderOf(r)} is the same replica, or, if the change removes it, the member after it in
 * the rotation. The others keep their order in the rotation after that leader, and an added
 * replica comes last, so the regencies just after {@code r} keep their leaders too.
 */
public sealed interface ViewChange {

    /**
     * The view after this change, with the members in the current order (an added replica last,
     * a removed one's place closed): the id one higher, the rest as this change says. This is
     * {@link #applyTo(View, int) applyTo(current, 0)}.
     *
     * @param current the view in force
     * @return the next view
     * @throws InvalidViewException if the change does not fit {@code current} or the result is no
     *                              valid view; the message says why
     */
    View applyTo(View current);

    /**
     * The view after this change, as replicas install it when the change was decided in a batch
     * proposed in {@code regency}: as {@link #applyTo(View)}, with the members rotated so that
     * regency {@code regency} keeps its leader (or the next member in the rotation, if the change
     * removes that leader).
     *
     * @param current the view in force
     * @param regency the regency the deciding batch was proposed in
     * @return the next view
     * @throws InvalidViewException as {@link #applyTo(View)}
     */
    default View applyTo(View current, int regency) {
        View next = applyTo(current);
        List<Integer> order = rotationKeepingLeader(current, next.members(), regency);
        return order.equals(next.members()) ? next
                : new View(next.id(), order, next.f(), next.mode(), next.publicKeys(), next.addresses());
    }

    /**
     * {@code members} in leader-rotation order for the view after {@code current}: starting from
     * the leader of {@code regency} in {@code current} (or the first member after it that is still
     * in {@code members}), the members of {@code current} in their rotation order, then those new
     * to {@code members}; rotated so that this leader stands at position {@code regency mod n}.
     */
    private static List<Integer> rotationKeepingLeader(View current, List<Integer> members, int regency) {
        List<Integer> old = current.members();
        int start = old.indexOf(current.leaderOf(regency));
        List<Integer> cycle = new ArrayList<>(members.size());
        for (int i = 0; i < old.size(); i++) {
            int member = old.get((start + i) % old.size());
            if (members.contains(member)) {
                cycle.add(member);
            }
        }
        for (int member : members) {
            if (!old.contains(member)) {
                cycle.add(member);
            }
        }
        int shift = Math.floorMod(regency, cycle.size());
        List<Integer> order = new ArrayList<>(cycle.size());
        for (int position = 0; position < cycle.size(); position++) {
            order.add(cycle.get(Math.floorMod(position - shift, cycle.size())));
        }
        return order;
    }

    /**
     * Checks that the replicas now up and caught up can form a quorum of {@code next}: a change
     * that the running replicas could not carry would stall the cluster the moment it is
     * installed.
     *
     * @param next           the view a change would install
     * @param upAndCaughtUp  the replicas that are running and have decided what the others have
     * @throws InvalidViewException if they are no quorum of {@code next}; the message names who is missing
     */
    static void checkQuorumReachable(View next, Collection<Integer> upAndCaughtUp) {
        Set<Integer> up = new HashSet<>(upAndCaughtUp);
        up.retainAll(next.members());
        if (!next.quorums().isQuorum(up)) {
            List<Integer> missing = new ArrayList<>(next.members());
            missing.removeAll(up);
            throw new InvalidViewException("view " + next.id() + " needs a quorum of " + next.quorums().quorumSize()
                    + " of " + next.members() + ", but only " + up.size() + " of them are up and caught up (missing "
                    + missing + ")");
        }
    }

    /**
     * Adds replica {@code id}, last in leader rotation.
     *
     * @param id        the new replica's id, not a member yet
     * @param publicKey its encoded public key
     * @param addresses where it listens
     */
    record Add(int id, Bytes publicKey, Addresses addresses) implements ViewChange {
        /**
         * Checks that every part is present.
         *
         * @param id        the new replica's id
         * @param publicKey its encoded public key
         * @param addresses where it listens
         */
        public Add {
            Objects.requireNonNull(publicKey, "publicKey");
            Objects.requireNonNull(addresses, "addresses");
        }

        @Override
        public View applyTo(View current) {
            if (current.contains(id)) {
                throw new InvalidViewException("replica " + id + " is a member of view " + current.id() + " already");
            }
            List<Integer> members = new ArrayList<>(current.members());
            members.add(id);
            return next(current, members, current.f(), id, publicKey, addresses);
        }
    }

    /**
     * Removes replica {@code id}.
     *
     * @param id the replica to remove, a member
     */
    record Remove(int id) implements ViewChange {
        @Override
        public View applyTo(View current) {
            if (!current.contains(id)) {
                throw new InvalidViewException("replica " + id + " is not a member of view " + current.id());
            }
            List<Integer> members = new ArrayList<>(current.members());
            members.remove(Integer.valueOf(id));
            return next(current, members, current.f(), id, null, null);
        }
    }

    /**
     * Gives member {@code id} a new key and addresses (key rotation, a move to another host).
     *
     * @param id        the member whose key or addresses change
     * @param publicKey its new encoded public key
     * @param addresses where it listens from now on
     */
    record Replace(int id, Bytes publicKey, Addresses addresses) implements ViewChange {
        /**
         * Checks that every part is present.
         *
         * @param id        the member
         * @param publicKey its new encoded public key
         * @param addresses its new addresses
         */
        public Replace {
            Objects.requireNonNull(publicKey, "publicKey");
            Objects.requireNonNull(addresses, "addresses");
        }

        @Override
        public View applyTo(View current) {
            if (!current.contains(id)) {
                throw new InvalidViewException("replica " + id + " is not a member of view " + current.id());
            }
            if (publicKey.equals(current.publicKeys().get(id)) && addresses.equals(current.addresses().get(id))) {
                throw new InvalidViewException("replica " + id + " has that key and those addresses already");
            }
            return next(current, current.members(), current.f(), id, publicKey, addresses);
        }
    }

    /**
     * Sets how many members may be faulty.
     *
     * @param f the new f
     */
    record SetF(int f) implements ViewChange {
        @Override
        public View applyTo(View current) {
            if (f == current.f()) {
                throw new InvalidViewException("view " + current.id() + " has f=" + f + " already");
            }
            return next(current, current.members(), f, -1, null, null);
        }
    }

    /**
     * {@code current} with the members, f, and replica {@code changed}'s key and addresses (none
     * if it is not a member any more, unchanged if null), under the next id.
     */
    private static View next(View current, List<Integer> members, int f, int changed, Bytes publicKey,
                             Addresses addresses) {
        Map<Integer, Bytes> keys = new HashMap<>(current.publicKeys());
        Map<Integer, Addresses> where = new HashMap<>(current.addresses());
        keys.keySet().retainAll(members);
        where.keySet().retainAll(members);
        if (publicKey != null) {
            keys.put(changed, publicKey);
        }
        if (addresses != null) {
            where.put(changed, addresses);
        }
        return new View(Math.addExact(current.id(), 1), members, f, current.mode(), keys, where);
    }
}
