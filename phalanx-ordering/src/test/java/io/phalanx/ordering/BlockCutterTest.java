package io.phalanx.ordering;

import com.google.protobuf.ByteString;
import org.junit.jupiter.api.Test;

import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

/** The blockcutter cuts where Fabric's does: by count, by preferred size, and alone for large or config envelopes. */
class BlockCutterTest {
    private static ByteString bytes(int size) {
        return ByteString.copyFrom(new byte[size]);
    }

    private final BlockCutter cutter = new BlockCutter(new ChannelLimits(3, 1_000, 100, 2_000));

    @Test
    void aBlockIsCutWhenItHoldsMaxMessageCountEnvelopes() {
        assertThat(cutter.ordered(bytes(10), false)).isEmpty();
        assertThat(cutter.ordered(bytes(10), false)).isEmpty();
        assertThat(cutter.ordered(bytes(10), false)).singleElement().satisfies(b -> assertThat(b).hasSize(3));
        assertThat(cutter.pending()).isEmpty();
    }

    @Test
    void anEnvelopeThatWouldPassThePreferredSizeStartsTheNextBlock() {
        cutter.ordered(bytes(60), false);
        List<List<ByteString>> cut = cutter.ordered(bytes(50), false);
        assertThat(cut).singleElement().satisfies(b -> assertThat(b).containsExactly(bytes(60)));
        assertThat(cutter.pending()).containsExactly(bytes(50));
    }

    @Test
    void anEnvelopeLargerThanThePreferredSizeOrAConfigEnvelopeGoesAloneAfterThePending() {
        cutter.ordered(bytes(10), false);
        List<List<ByteString>> cut = cutter.ordered(bytes(101), false);
        assertThat(cut).hasSize(2);
        assertThat(cut.get(0)).containsExactly(bytes(10));
        assertThat(cut.get(1)).containsExactly(bytes(101));

        assertThat(cutter.ordered(bytes(5), true)).singleElement().satisfies(b -> assertThat(b).containsExactly(bytes(5)));
        assertThat(cutter.pending()).isEmpty();
    }

    @Test
    void cuttingTakesWhatIsPendingAndRestoringPutsItBack() {
        cutter.ordered(bytes(10), false);
        cutter.ordered(bytes(20), false);
        List<ByteString> pending = cutter.pending();
        assertThat(cutter.cut()).containsExactly(bytes(10), bytes(20));
        assertThat(cutter.cut()).isEmpty();
        cutter.restorePending(pending);
        // 30 pending bytes: 71 more pass the preferred 100 and cut first.
        assertThat(cutter.ordered(bytes(71), false)).singleElement().satisfies(b -> assertThat(b).hasSize(2));
    }
}
