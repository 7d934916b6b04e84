package io.phalanx.core.view;

import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.stream.IntStream;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.fail;

/**
 * The quorum arithmetic, checked exhaustively for every group of 1 to 13 replicas, both fault
 * models and every f the group tolerates.
 *
 * <p>Proves that quorums have the specified size; that the n-f correct replicas alone always
 * form a quorum (liveness); that any two quorums share at least f+1 replicas, hence a correct
 * one, in BFT mode and at least one replica in CFT mode (safety) — by enumerating every subset
 * of the members and asking the real {@code isQuorum}, not by trusting the formula; that
 * {@code containsCorrect} holds exactly from f+1 members; and that non-members and duplicates
 * never count.
 */
class QuorumSystemTest {
    private static final int N_MAX = 13;
    /** Up to this group size, every pair of quorums (not only minimal ones) is checked. */
    private static final int ALL_PAIRS_N_MAX = 7;

    /** Every (n, f, mode) a valid view can have with n <= N_MAX. */
    private static List<View> allViews() {
        List<View> views = new ArrayList<>();
        for (int n = 1; n <= N_MAX; n++) {
            for (Mode mode : Mode.values()) {
                for (int f = 0; View.minimumSize(f, mode) <= n; f++) {
                    views.add(View.of(0, n, f, mode));
                }
            }
        }
        return views;
    }

    private static int expectedQuorumSize(View view) {
        int n = view.n();
        return view.mode() == Mode.BFT
                ? (int) Math.ceil((n + view.f() + 1) / 2.0)
                : n / 2 + 1;
    }

    /** The members whose bit is set in {@code mask} (views here have members 0..n-1). */
    private static List<Integer> members(int mask) {
        List<Integer> ids = new ArrayList<>();
        for (int id = 0; mask >>> id != 0; id++) {
            if ((mask >>> id & 1) != 0) {
                ids.add(id);
            }
        }
        return ids;
    }

    /** All subsets of the view's members, as bitmasks, that the real predicate calls quorums. */
    private static int[] quorumMasks(QuorumSystem quorums) {
        int n = quorums.view().n();
        return IntStream.range(0, 1 << n)
                .filter(mask -> quorums.isQuorum(members(mask)))
                .toArray();
    }

    /** Quorums from which no member can be removed; every quorum contains one of them. */
    private static int[] minimalQuorumMasks(QuorumSystem quorums, int[] quorumMasks) {
        return Arrays.stream(quorumMasks)
                .filter(mask -> members(mask).stream()
                        .noneMatch(id -> quorums.isQuorum(members(mask & ~(1 << id)))))
                .toArray();
    }

    @Test
    void coversEveryGroupUpToThirteen() {
        // BFT: f = 0..(n-1)/3, CFT: f = 0..(n-1)/2, summed over n = 1..13.
        int expected = 0;
        for (int n = 1; n <= N_MAX; n++) {
            expected += (n - 1) / 3 + 1 + (n - 1) / 2 + 1;
        }
        assertThat(allViews()).hasSize(expected);
    }

    @Test
    void quorumSizesAreAsSpecified() {
        for (View view : allViews()) {
            QuorumSystem quorums = view.quorums();
            assertThat(quorums.quorumSize()).as("%s", quorums).isEqualTo(expectedQuorumSize(view));
            assertThat(quorums.correctWitnessSize()).isEqualTo(view.f() + 1);
            assertThat(quorums.view()).isSameAs(view);
        }
    }

    @Test
    void optimalGroupsHaveTheTextbookQuorums() {
        for (int f = 0; f <= 4; f++) {
            assertThat(View.of(0, 3 * f + 1, f, Mode.BFT).quorums().quorumSize()).isEqualTo(2 * f + 1);
            assertThat(View.of(0, 2 * f + 1, f, Mode.CFT).quorums().quorumSize()).isEqualTo(f + 1);
        }
    }

    /** isQuorum and containsCorrect depend on the number of distinct members only, with the right thresholds. */
    @Test
    void predicatesCountMembersAgainstTheirThresholds() {
        for (View view : allViews()) {
            QuorumSystem quorums = view.quorums();
            for (int mask = 0; mask < 1 << view.n(); mask++) {
                List<Integer> set = members(mask);
                assertThat(quorums.isQuorum(set)).as("%s isQuorum %s", quorums, set)
                        .isEqualTo(set.size() >= expectedQuorumSize(view));
                assertThat(quorums.containsCorrect(set)).as("%s containsCorrect %s", quorums, set)
                        .isEqualTo(set.size() >= view.f() + 1);
                assertThat(quorums.isQuorum(new TreeSet<>(set))).isEqualTo(quorums.isQuorum(set));
            }
        }
    }

    /** Liveness: whichever f replicas fail, the others still form a quorum. */
    @Test
    void correctReplicasAloneFormAQuorum() {
        for (View view : allViews()) {
            QuorumSystem quorums = view.quorums();
            for (int mask = 0; mask < 1 << view.n(); mask++) {
                if (Integer.bitCount(mask) == view.n() - view.f()) {
                    assertThat(quorums.isQuorum(members(mask))).as("%s, correct %s", quorums, members(mask)).isTrue();
                }
            }
        }
    }

    /**
     * Safety: any two minimal quorums (hence any two quorums) overlap in more than f replicas
     * in BFT mode — so in at least one correct replica, whichever f are faulty — and in at
     * least one replica in CFT mode. Every pair is enumerated.
     */
    @Test
    void anyTwoQuorumsIntersectEnough() {
        for (View view : allViews()) {
            QuorumSystem quorums = view.quorums();
            int overlapMin = view.mode() == Mode.BFT ? view.f() + 1 : 1;
            int[] all = quorumMasks(quorums);
            int[] minimal = minimalQuorumMasks(quorums, all);
            assertThat(minimal).as("%s has quorums", quorums).isNotEmpty();
            assertThat(Arrays.stream(all).allMatch(q -> Arrays.stream(minimal).anyMatch(m -> (q & m) == m)))
                    .as("%s: every quorum contains a minimal one", quorums).isTrue();
            for (int a : minimal) {
                for (int b : minimal) {
                    if (Integer.bitCount(a & b) < overlapMin) {
                        fail("%s: quorums %s and %s share fewer than %d replicas",
                                quorums, members(a), members(b), overlapMin);
                    }
                }
            }
        }
    }

    /** The same property stated literally, for small groups: for every faulty set, every pair shares a correct replica. */
    @Test
    void anyTwoQuorumsShareACorrectReplicaWhateverTheFaultySet() {
        for (View view : allViews()) {
            if (view.n() > ALL_PAIRS_N_MAX) {
                continue;
            }
            QuorumSystem quorums = view.quorums();
            int[] all = quorumMasks(quorums);
            // In CFT mode a crashed replica tells no lies, so the overlap may be any replica.
            int faultyMax = view.mode() == Mode.BFT ? view.f() : 0;
            for (int faulty = 0; faulty < 1 << view.n(); faulty++) {
                if (Integer.bitCount(faulty) > faultyMax) {
                    continue;
                }
                for (int a : all) {
                    for (int b : all) {
                        if ((a & b & ~faulty) == 0) {
                            fail("%s: quorums %s and %s share no correct replica when %s are faulty",
                                    quorums, members(a), members(b), members(faulty));
                        }
                    }
                }
            }
        }
    }

    /** Whichever f replicas are faulty, a set that containsCorrect holds one outside them. */
    @Test
    void containsCorrectMeansAtLeastOneCorrectMember() {
        for (View view : allViews()) {
            if (view.n() > ALL_PAIRS_N_MAX) {
                continue;
            }
            QuorumSystem quorums = view.quorums();
            for (int set = 0; set < 1 << view.n(); set++) {
                if (!quorums.containsCorrect(members(set))) {
                    continue;
                }
                for (int faulty : faultySets(view)) {
                    assertThat(set & ~faulty).as("%s: %s, faulty %s", quorums, members(set), members(faulty))
                            .isNotZero();
                }
            }
        }
    }

    /**
     * Whichever f replicas are faulty, a set that containsCorrectQuorum keeps a quorum outside
     * them, and every set that does so containsCorrectQuorum.
     */
    @Test
    void containsCorrectQuorumMeansAQuorumOfCorrectMembers() {
        for (View view : allViews()) {
            if (view.n() > ALL_PAIRS_N_MAX) {
                continue;
            }
            QuorumSystem quorums = view.quorums();
            for (int set = 0; set < 1 << view.n(); set++) {
                boolean survives = true;
                for (int faulty : faultySets(view)) {
                    survives &= quorums.isQuorum(members(set & ~faulty));
                }
                assertThat(quorums.containsCorrectQuorum(members(set))).as("%s: %s", quorums, members(set))
                        .isEqualTo(survives);
            }
        }
    }

    /** Every set of at most f members of {@code view}, as bit masks over member positions. */
    private static List<Integer> faultySets(View view) {
        List<Integer> sets = new ArrayList<>();
        for (int faulty = 0; faulty < 1 << view.n(); faulty++) {
            if (Integer.bitCount(faulty) <= view.f()) {
                sets.add(faulty);
            }
        }
        return sets;
    }

    @Test
    void nonMembersAreIgnored() {
        QuorumSystem quorums = new View(0, List.of(10, 20, 30, 40), 1, Mode.BFT).quorums();

        assertThat(quorums.isQuorum(List.of(10, 20, 99, 100, 0, 1, 2))).isFalse();
        assertThat(quorums.isQuorum(Set.of(10, 20, 30))).isTrue();
        assertThat(quorums.isQuorum(Set.of(10, 20, 30, 99))).isTrue();
        assertThat(quorums.containsCorrect(List.of(10, 99))).isFalse();
        assertThat(quorums.containsCorrect(List.of(10, 40))).isTrue();
    }

    @Test
    void outsidersNeverFormAQuorum() {
        for (View view : allViews()) {
            List<Integer> outsiders = new ArrayList<>();
            for (int id = view.n(); id < 3 * view.n() + 1; id++) {
                outsiders.add(id);
            }
            assertThat(view.quorums().isQuorum(outsiders)).isFalse();
            assertThat(view.quorums().containsCorrect(outsiders)).isFalse();
        }
    }

    @Test
    void duplicatesInAListCountOnce() {
        QuorumSystem quorums = View.of(0, 4, 1, Mode.BFT).quorums();

        assertThat(quorums.isQuorum(List.of(0, 0, 0, 0, 0))).isFalse();
        assertThat(quorums.isQuorum(List.of(0, 1, 1, 0))).isFalse();
        assertThat(quorums.isQuorum(List.of(0, 1, 1, 2))).isTrue();
        assertThat(quorums.containsCorrect(List.of(3, 3))).isFalse();
        assertThat(quorums.containsCorrect(List.of(3, 2, 3))).isTrue();
    }

    @Test
    void emptySetIsNothing() {
        QuorumSystem quorums = View.of(0, 1, 0, Mode.CFT).quorums();

        assertThat(quorums.isQuorum(List.of())).isFalse();
        assertThat(quorums.containsCorrect(List.of())).isFalse();
        assertThat(quorums.isQuorum(List.of(0))).isTrue();
    }

    @Test
    void describesItself() {
        assertThat(View.of(0, 4, 1, Mode.BFT).quorums())
                .hasToString("QuorumSystem[BFT n=4 f=1 quorum=3]");
    }
}
