package io.phalanx.core.view;

import java.util.ArrayList;
import java.util.List;
import java.util.Objects;

/**
 * Which view governs which consensus instances: replicated state, since every replica must check
 * an instance's votes and proofs against the same members and keys. Each entry names the first
 * consensus id its view governs; a view governs every instance from there to the next entry's.
 *
 * <p>An administrator's change decided in instance {@code c} makes a view that governs instances
 * from {@code c + instanceWindowMax + 1} on ({@link #firstGovernedAfter}): a replica votes in
 * instance {@code j} only once it has decided {@code j - instanceWindowMax - 1}, so whoever votes
 * in an instance of the new view has decided the change that made it.
 *
 * @param entries the views with the first instance each governs, both ascending; never empty
 */
public record ViewHistory(List<Entry> entries) {

    /**
     * A view and the first consensus instance it governs.
     *
     * @param firstConsensusId the first instance the view governs, at least 0
     * @param view             the view
     */
    public record Entry(long firstConsensusId, View view) {
        /**
         * Checks the parts.
         *
         * @param firstConsensusId the first instance the view governs, at least 0
         * @param view             the view
         */
        public Entry {
            Objects.requireNonNull(view, "view");
            if (firstConsensusId < 0) {
                throw new IllegalArgumentException("a view governs instances from 0 on, got " + firstConsensusId);
            }
        }
    }

    /**
     * Copies the entries and checks their order.
     *
     * @param entries at least one, ascending by first instance and by view id
     * @throws IllegalArgumentException if the entries are empty or out of order
     */
    public ViewHistory {
        entries = List.copyOf(entries);
        if (entries.isEmpty()) {
            throw new IllegalArgumentException("a view history holds at least one view");
        }
        for (int i = 1; i < entries.size(); i++) {
            Entry before = entries.get(i - 1);
            Entry after = entries.get(i);
            if (after.firstConsensusId() <= before.firstConsensusId() || after.view().id() <= before.view().id()) {
                throw new IllegalArgumentException("view history out of order: view " + after.view().id() + " from "
                        + after.firstConsensusId() + " after view " + before.view().id() + " from " + before.firstConsensusId());
            }
        }
    }

    /**
     * A history of one view, governing every instance.
     *
     * @param view the view
     * @return the history
     */
    public static ViewHistory of(View view) {
        return new ViewHistory(List.of(new Entry(0, view)));
    }

    /**
     * The first instance a view made by a change decided in {@code consensusId} governs.
     *
     * @param consensusId       the instance that decided the change
     * @param instanceWindowMax how far ahead of its last decision a replica votes (the same on every replica)
     * @return {@code consensusId + instanceWindowMax + 1}
     */
    public static long firstGovernedAfter(long consensusId, int instanceWindowMax) {
        return Math.addExact(consensusId, (long) instanceWindowMax + 1);
    }

    /**
     * The view that governs instance {@code consensusId}.
     *
     * @param consensusId the instance
     * @return the view whose quorums decide it, or null for an instance before the history's
     *         first entry (a history a checkpoint brought starts at the view in force there)
     */
    public View at(long consensusId) {
        for (int i = entries.size() - 1; i >= 0; i--) {
            if (entries.get(i).firstConsensusId() <= consensusId) {
                return entries.get(i).view();
            }
        }
        return null;
    }

    /**
     * Whether replica {@code replicaId} is a member of any view here.
     *
     * @param replicaId the replica
     * @return true if some view of this history has it as a member
     */
    public boolean anyContains(int replicaId) {
        for (Entry entry : entries) {
            if (entry.view().contains(replicaId)) {
                return true;
            }
        }
        return false;
    }

    /**
     * The newest view, which may govern only instances still to come.
     *
     * @return the last entry's view
     */
    public View latest() {
        return entries.get(entries.size() - 1).view();
    }

    /**
     * The first instance after {@code consensusId} that another view governs.
     *
     * @param consensusId the instance
     * @return the first instance of the next view, or {@link Long#MAX_VALUE} if none follows
     */
    public long nextChangeAfter(long consensusId) {
        for (Entry entry : entries) {
            if (entry.firstConsensusId() > consensusId) {
                return entry.firstConsensusId();
            }
        }
        return Long.MAX_VALUE;
    }

    /**
     * The view with id {@code viewId}, if this history holds it.
     *
     * @param viewId the view id
     * @return the view, or null
     */
    public View byId(long viewId) {
        for (Entry entry : entries) {
            if (entry.view().id() == viewId) {
                return entry.view();
            }
        }
        return null;
    }

    /**
     * This history with {@code view} governing from {@code firstConsensusId} on.
     *
     * @param firstConsensusId after every entry's first instance
     * @param view             a view with a higher id than the latest
     * @return the longer history
     */
    public ViewHistory with(long firstConsensusId, View view) {
        List<Entry> longer = new ArrayList<>(entries);
        longer.add(new Entry(firstConsensusId, view));
        return new ViewHistory(longer);
    }

    /**
     * The part that matters from instance {@code consensusId} on: the view governing it and
     * every later one, so a checkpoint carries no history it does not need.
     *
     * @param consensusId the first instance still to decide
     * @return this history without the views that govern only instances before it
     */
    public ViewHistory since(long consensusId) {
        int first = 0;
        for (int i = 1; i < entries.size(); i++) {
            if (entries.get(i).firstConsensusId() <= consensusId) {
                first = i;
            }
        }
        return first == 0 ? this : new ViewHistory(entries.subList(first, entries.size()));
    }

    /**
     * Applies an administrator's change decided in instance {@code consensusId} to the latest
     * view, or says why it cannot be made. Every correct replica runs this on the same decided
     * request with the same history, so all reach the same outcome.
     *
     * <p>Refused: a change while another one waits to govern (one change at a time, so the
     * views in force around any instance are at most two consecutive ones); a change that does
     * not fit the latest view or makes an invalid view ({@link ViewChange#applyTo}); a change
     * whose quorums might not intersect the latest view's in a correct replica
     * ({@link #checkQuorumsIntersect}); and a change whose new view's quorum the members that the
     * proposing leader found up and caught up cannot form ({@link ViewChange#checkQuorumReachable}):
     * installed, it would stall the cluster until a replica that is down or behind came back.
     *
     * @param consensusId       the instance that decided the change
     * @param change            the change
     * @param regency           the regency the deciding batch was proposed in, whose leader the new
     *                          view keeps ({@link ViewChange#applyTo(View, int)})
     * @param caughtUp          the members the deciding batch's leader found up and caught up
     *                          ({@code message.Batch#caughtUp}); empty if it named none, and then
     *                          the change is not checked against them
     * @param instanceWindowMax how far ahead a replica votes (the same on every replica)
     * @return the new history, or the reason for refusing
     */
    public Outcome apply(long consensusId, ViewChange change, int regency, java.util.Collection<Integer> caughtUp,
                         int instanceWindowMax) {
        Entry last = entries.get(entries.size() - 1);
        if (last.firstConsensusId() > consensusId) {
            return Outcome.refused("view " + last.view().id() + " is being installed (it governs from instance "
                    + last.firstConsensusId() + "): one change at a time");
        }
        View next;
        try {
            next = change.applyTo(last.view(), regency);
            checkQuorumsIntersect(last.view(), next);
            if (!caughtUp.isEmpty()) {
                ViewChange.checkQuorumReachable(next, caughtUp);
            }
        } catch (InvalidViewException e) {
            return Outcome.refused(e.getMessage());
        }
        return new Outcome(with(firstGovernedAfter(consensusId, instanceWindowMax), next), next, null);
    }

    /**
     * Checks that every quorum of {@code before} and every quorum of {@code after} share more
     * members than either view lets be faulty (at least one in CFT): what was decided by one
     * view's quorum is then always reported to a leader change that gathers the other's.
     *
     * @param before the view in force
     * @param after  the view that follows it
     * @throws InvalidViewException if some pair of quorums could share too few members
     */
    public static void checkQuorumsIntersect(View before, View after) {
        java.util.Set<Integer> union = new java.util.HashSet<>(before.members());
        union.addAll(after.members());
        int worstOverlap = before.quorums().quorumSize() + after.quorums().quorumSize() - union.size();
        int needed = after.mode() == Mode.BFT ? Math.max(before.f(), after.f()) + 1 : 1;
        if (worstOverlap < needed) {
            throw new InvalidViewException("quorums of view " + before.id() + " (" + before.quorums().quorumSize() + " of "
                    + before.n() + ") and view " + after.id() + " (" + after.quorums().quorumSize() + " of " + after.n()
                    + ") may share only " + worstOverlap + " replicas, fewer than the " + needed
                    + " that keep a decision of one known to the other");
        }
    }

    /**
     * What applying a change gave.
     *
     * @param history   the history after it (unchanged if refused)
     * @param installed the view it makes, or null if refused
     * @param refusal   why it was refused, or null
     */
    public record Outcome(ViewHistory history, View installed, String refusal) {
        /**
         * A refusal.
         *
         * @param why the reason
         * @return the outcome
         */
        public static Outcome refused(String why) {
            return new Outcome(null, null, why);
        }
    }
}
