package io.phalanx.core.view;

import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * Views accept exactly the parameters that can work and say what is wrong with the others;
 * leaders rotate round-robin over the members in their given order for every regency.
 */
class ViewTest {

    // ---- validation --------------------------------------------------------------------------

    @Test
    void acceptsTheSmallestGroupForEachMode() {
        assertThat(View.of(0, 4, 1, Mode.BFT).n()).isEqualTo(4);
        assertThat(View.of(0, 3, 1, Mode.CFT).n()).isEqualTo(3);
        assertThat(View.of(0, 1, 0, Mode.BFT).n()).isEqualTo(1);
        assertThat(View.of(0, 1, 0, Mode.CFT).n()).isEqualTo(1);
    }

    @Test
    void bftNeedsThreeFPlusOne() {
        assertThatThrownBy(() -> View.of(0, 3, 1, Mode.BFT))
                .isInstanceOf(InvalidViewException.class)
                .hasMessage("BFT mode with f=1 needs n >= 4 (3f+1), but the view has n=3");
        assertThatThrownBy(() -> View.of(0, 6, 2, Mode.BFT))
                .isInstanceOf(InvalidViewException.class)
                .hasMessageContaining("needs n >= 7 (3f+1)");
    }

    @Test
    void cftNeedsTwoFPlusOne() {
        assertThatThrownBy(() -> View.of(0, 2, 1, Mode.CFT))
                .isInstanceOf(InvalidViewException.class)
                .hasMessage("CFT mode with f=1 needs n >= 3 (2f+1), but the view has n=2");
    }

    @Test
    void sizeBoundIsExactForEveryFAndN() {
        for (int n = 1; n <= 13; n++) {
            for (int f = 0; f <= n; f++) {
                checkSizeBound(n, f, Mode.BFT, n >= 3 * f + 1);
                checkSizeBound(n, f, Mode.CFT, n >= 2 * f + 1);
            }
        }
    }

    private static void checkSizeBound(int n, int f, Mode mode, boolean valid) {
        if (valid) {
            assertThat(View.of(0, n, f, mode).f()).isEqualTo(f);
        } else {
            assertThatThrownBy(() -> View.of(0, n, f, mode))
                    .as("%s n=%d f=%d", mode, n, f)
                    .isInstanceOf(InvalidViewException.class)
                    .hasMessageContaining(mode + " mode with f=" + f);
        }
    }

    /** 3f+1 must not wrap around to a negative number and let a one-replica view claim a huge f. */
    @Test
    void hugeFIsRejectedRatherThanOverflowing() {
        for (int f : new int[] {Integer.MAX_VALUE / 3 + 1, Integer.MAX_VALUE / 2 + 1, Integer.MAX_VALUE}) {
            for (Mode mode : Mode.values()) {
                assertThatThrownBy(() -> new View(0, List.of(0), f, mode))
                        .as("%s f=%d", mode, f)
                        .isInstanceOf(InvalidViewException.class)
                        .hasMessageContaining("f=" + f);
            }
        }
    }

    @Test
    void negativeFIsRejected() {
        assertThatThrownBy(() -> View.of(0, 4, -1, Mode.BFT))
                .isInstanceOf(InvalidViewException.class)
                .hasMessage("f must be >= 0, got -1");
    }

    @Test
    void emptyMembershipIsRejected() {
        assertThatThrownBy(() -> new View(0, List.of(), 0, Mode.CFT))
                .isInstanceOf(InvalidViewException.class)
                .hasMessage("a view needs at least one member");
        assertThatThrownBy(() -> View.of(0, 0, 0, Mode.BFT))
                .isInstanceOf(InvalidViewException.class)
                .hasMessage("a view needs at least one member");
        assertThatThrownBy(() -> View.of(0, -5, 0, Mode.BFT))
                .isInstanceOf(InvalidViewException.class)
                .hasMessage("a view needs at least one member");
    }

    @Test
    void duplicateIdsAreRejected() {
        assertThatThrownBy(() -> new View(0, List.of(0, 1, 2, 1), 1, Mode.BFT))
                .isInstanceOf(InvalidViewException.class)
                .hasMessage("replica id 1 appears twice in the view");
    }

    @Test
    void negativeIdsAreRejected() {
        assertThatThrownBy(() -> new View(0, List.of(0, 1, -3, 2), 1, Mode.BFT))
                .isInstanceOf(InvalidViewException.class)
                .hasMessage("replica ids must be >= 0, got -3");
    }

    @Test
    void negativeViewIdIsRejected() {
        assertThatThrownBy(() -> View.of(-1, 4, 1, Mode.BFT))
                .isInstanceOf(InvalidViewException.class)
                .hasMessage("view id must be >= 0, got -1");
    }

    @Test
    void missingPartsAreRejected() {
        assertThatThrownBy(() -> new View(0, null, 0, Mode.BFT)).isInstanceOf(NullPointerException.class)
                .hasMessage("members");
        assertThatThrownBy(() -> new View(0, List.of(0), 0, null)).isInstanceOf(NullPointerException.class)
                .hasMessage("mode");
    }

    @Test
    void membersAreCopiedSoTheViewCannotChangeLater() {
        List<Integer> members = new ArrayList<>(List.of(3, 1, 2, 0));
        View view = new View(1, members, 1, Mode.BFT);
        members.set(0, 99);

        assertThat(view.members()).containsExactly(3, 1, 2, 0);
        assertThat(view.contains(3)).isTrue();
        assertThat(view.contains(99)).isFalse();
        assertThatThrownBy(() -> view.members().add(5)).isInstanceOf(UnsupportedOperationException.class);
    }

    @Test
    void minimumSizes() {
        assertThat(View.minimumSize(0, Mode.BFT)).isEqualTo(1);
        assertThat(View.minimumSize(1, Mode.BFT)).isEqualTo(4);
        assertThat(View.minimumSize(3, Mode.BFT)).isEqualTo(10);
        assertThat(View.minimumSize(0, Mode.CFT)).isEqualTo(1);
        assertThat(View.minimumSize(1, Mode.CFT)).isEqualTo(3);
        assertThat(View.minimumSize(3, Mode.CFT)).isEqualTo(7);
        assertThatThrownBy(() -> View.minimumSize(Integer.MAX_VALUE, Mode.BFT)).isInstanceOf(ArithmeticException.class);
    }

    // ---- leader rotation ---------------------------------------------------------------------

    @Test
    void leadersRotateInMemberOrder() {
        View view = new View(0, List.of(5, 2, 9, 7), 1, Mode.BFT);

        assertThat(view.leaderOf(0)).isEqualTo(5);
        assertThat(view.leaderOf(1)).isEqualTo(2);
        assertThat(view.leaderOf(2)).isEqualTo(9);
        assertThat(view.leaderOf(3)).isEqualTo(7);
        assertThat(view.leaderOf(4)).isEqualTo(5);
        assertThat(view.leaderOf(9)).isEqualTo(2);
    }

    @Test
    void regenciesBeyondNWrapAround() {
        View view = new View(0, List.of(5, 2, 9, 7), 1, Mode.BFT);

        assertThat(view.leaderOf(1_000_003)).isEqualTo(7);   // 1_000_003 mod 4 = 3
        assertThat(view.leaderOf(Integer.MAX_VALUE)).isEqualTo(7); // 2^31-1 mod 4 = 3
        assertThat(view.leaderOf(Integer.MAX_VALUE - 1)).isEqualTo(9);
    }

    @Test
    void everyMemberLeadsOncePerRoundOfNRegencies() {
        for (int n = 1; n <= 13; n++) {
            List<Integer> members = new ArrayList<>();
            for (int i = 0; i < n; i++) {
                members.add(100 - 7 * i); // ids neither sorted ascending nor contiguous
            }
            View view = new View(0, members, 0, Mode.CFT);
            for (int round = 0; round < 5; round++) {
                Map<Integer, Integer> leads = new HashMap<>();
                for (int r = round * n; r < (round + 1) * n; r++) {
                    assertThat(view.leaderOf(r)).isEqualTo(members.get(r % n));
                    leads.merge(view.leaderOf(r), 1, Integer::sum);
                }
                assertThat(leads).hasSize(n).allSatisfy((id, count) -> assertThat(count).isEqualTo(1));
            }
        }
    }

    @Test
    void leaderIsTheSameOnEveryReplicasCopyOfTheView() {
        View a = View.of(3, 7, 2, Mode.BFT);
        View b = new View(3, List.of(0, 1, 2, 3, 4, 5, 6), 2, Mode.BFT);

        assertThat(a).isEqualTo(b);
        for (int r = 0; r < 50; r++) {
            assertThat(a.leaderOf(r)).isEqualTo(b.leaderOf(r));
        }
    }
}
