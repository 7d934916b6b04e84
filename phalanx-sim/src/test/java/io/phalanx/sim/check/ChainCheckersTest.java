package io.phalanx.sim.check;

import com.google.protobuf.ByteString;
import io.phalanx.ordering.Blocks;
import io.phalanx.sim.ordering.SimEnvelopes;
import org.hyperledger.fabric.protos.common.Block;
import org.hyperledger.fabric.protos.common.BlockHeader;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The chain checkers on hand-made chains: replicas that cut the same blocks (one behind, one
 * restored from a checkpoint) pass; a fork, a broken hash link, a data hash that does not match,
 * a gap and an envelope in two blocks are each reported; a Byzantine replica's blocks are not.
 */
class ChainCheckersTest {
    private static final String CHANNEL = "alpha";

    /** A chain of {@code length} blocks of two envelopes each, named by {@code tag}. */
    private static List<Block> chain(int length, String tag) {
        List<Block> blocks = new ArrayList<>();
        ByteString previous = ByteString.EMPTY;
        for (int number = 0; number < length; number++) {
            Block block = Blocks.build(number, previous, List.of(envelope(tag + number + "a"), envelope(tag + number + "b")));
            blocks.add(block);
            previous = ByteString.copyFrom(Blocks.headerHash(block.getHeader()));
        }
        return blocks;
    }

    private static ByteString envelope(String txId) {
        return SimEnvelopes.transaction(CHANNEL, txId, txId.getBytes(java.nio.charset.StandardCharsets.UTF_8));
    }

    private static ChainSegment segment(int replica, long firstNumber, List<Block> blocks) {
        return new ChainSegment(replica, 0, true, CHANNEL, firstNumber, blocks);
    }

    private static History history(ChainSegment... segments) {
        return new History(List.of(), List.of(), java.util.Set.of(), List.of(segments));
    }

    private static List<Violation> checkAll(History history) {
        return Checkers.checkAll(List.of(new ChainPrefixChecker(), new ChainLinkChecker(), new EnvelopeOnceChecker()),
                history);
    }

    @Test
    void replicasThatCutTheSameBlocksPassEvenBehindOrRestoredFromACheckpoint() {
        List<Block> blocks = chain(6, "t");
        History history = history(segment(0, 0, blocks), segment(1, 0, blocks.subList(0, 3)),
                segment(2, 0, blocks.subList(0, 2)), segment(2, 4, blocks.subList(4, 6)));
        assertThat(checkAll(history)).isEmpty();
    }

    @Test
    void aForkedChainIsReported() {
        List<Block> ours = chain(4, "t");
        Block forked = Blocks.build(2, ByteString.copyFrom(Blocks.headerHash(ours.get(1).getHeader())),
                List.of(envelope("other"))); // a well-linked block 2 holding other envelopes
        List<Block> theirs = List.of(ours.get(0), ours.get(1), forked);
        List<Violation> violations = new ChainPrefixChecker().check(history(segment(0, 0, ours), segment(1, 0, theirs)));
        assertThat(violations).singleElement().satisfies(v -> {
            assertThat(v.checker()).isEqualTo("chain-prefix");
            assertThat(v.description()).contains("forked chain", "replica 1 on alpha", "block 2");
        });
    }

    @Test
    void aBrokenHashLinkIsReported() {
        List<Block> blocks = new ArrayList<>(chain(4, "t"));
        BlockHeader header = blocks.get(3).getHeader().toBuilder().setPreviousHash(ByteString.copyFromUtf8("not it")).build();
        blocks.set(3, blocks.get(3).toBuilder().setHeader(header).build()); // the last, so no later link breaks too
        List<Violation> violations = new ChainLinkChecker().check(history(segment(0, 0, blocks)));
        assertThat(violations).singleElement().satisfies(v ->
                assertThat(v.description()).contains("broken link", "block 3 does not name the previous block's header hash"));
    }

    @Test
    void aRestoredSegmentMustContinueTheChainOfTheBlockBeforeIt() {
        List<Block> blocks = chain(4, "t");
        List<Block> elsewhere = chain(4, "u"); // a chain whose block 3 names another block 2
        List<Violation> violations = new ChainLinkChecker().check(history(segment(0, 0, blocks.subList(0, 3)),
                segment(1, 3, elsewhere.subList(3, 4))));
        assertThat(violations).singleElement().satisfies(v ->
                assertThat(v.description()).contains("replica 1 on alpha from block 3", "previous block's header hash"));
    }

    @Test
    void aDataHashThatDoesNotMatchTheDataIsReported() {
        List<Block> blocks = new ArrayList<>(chain(3, "t"));
        blocks.set(1, blocks.get(1).toBuilder().setData(blocks.get(1).getData().toBuilder().setData(0, envelope("x")))
                .build());
        List<Violation> violations = new ChainLinkChecker().check(history(segment(0, 0, blocks)));
        assertThat(violations).extracting(Violation::description).anySatisfy(d ->
                assertThat(d).contains("block 1's data hash does not match its data"));
    }

    @Test
    void aGapOrAFirstBlockOtherThanTheStateGaveIsReported() {
        List<Block> blocks = chain(5, "t");
        List<Block> skipping = List.of(blocks.get(0), blocks.get(1), blocks.get(3));
        assertThat(new ChainLinkChecker().check(history(segment(0, 0, skipping))))
                .extracting(Violation::description).anySatisfy(d -> assertThat(d).contains("gap", "cut block 3 where block 2"));
        assertThat(new ChainLinkChecker().check(history(segment(0, 2, blocks.subList(3, 5)))))
                .extracting(Violation::description).anySatisfy(d -> assertThat(d).contains("gap", "cut block 3 where block 2"));
    }

    @Test
    void anEnvelopeInTwoBlocksIsReported() {
        Block first = Blocks.build(0, ByteString.EMPTY, List.of(envelope("a"), envelope("b")));
        Block second = Blocks.build(1, ByteString.copyFrom(Blocks.headerHash(first.getHeader())),
                List.of(envelope("c"), envelope("a")));
        History history = history(segment(0, 0, List.of(first, second)));
        assertThat(new ChainLinkChecker().check(history)).isEmpty();
        assertThat(new EnvelopeOnceChecker().check(history)).singleElement().satisfies(v -> assertThat(v.description())
                .contains("envelope ordered twice", "block 0 index 0", "block 1 index 1"));
    }

    @Test
    void aByzantineReplicasBlocksAreNotJudged() {
        List<Block> blocks = chain(3, "t");
        List<Block> forged = chain(3, "forged");
        History history = history(segment(0, 0, blocks),
                new ChainSegment(1, 0, false, CHANNEL, 0, List.of(forged.get(0), forged.get(2))));
        assertThat(checkAll(history)).isEmpty();
    }
}
