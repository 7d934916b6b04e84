package io.phalanx.sim.check;

import io.phalanx.ordering.Blocks;
import org.hyperledger.fabric.protos.common.Block;

import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * Chain links (the ordering service): each segment of a correct replica's blocks on a channel
 * starts at the number its state gave ({@link ChainSegment#firstNumber}) and goes on without a
 * gap, each block's data hash matches its data, and each block names the header hash of the block
 * before it as Fabric's peers compute it ({@link Blocks#chainProblem}): the block cut just before in
 * the segment, block 0 none, and a segment's first block the block a correct replica cut at the
 * number before (a restored checkpoint must carry the previous hash of the chain it continues).
 * Byzantine replicas are ignored.
 */
public final class ChainLinkChecker implements Checker {
    @Override
    public String name() {
        return "chain-links";
    }

    @Override
    public List<Violation> check(History history) {
        ViolationList violations = new ViolationList(name(), Chains.REPORTS_PER_KIND_MAX);
        Map<String, TreeMap<Long, Chains.Seen>> firstSeen = Chains.firstSeen(history);
        for (ChainSegment segment : Chains.correct(history)) {
            Block previous = null;
            long expected = segment.firstNumber();
            for (Block block : segment.blocks()) {
                long number = block.getHeader().getNumber();
                if (number != expected) {
                    violations.add("gap", segment.name() + " cut block " + number + " where block " + expected
                            + " was next");
                }
                if (previous == null && number > 0) {
                    Chains.Seen before = firstSeen.get(segment.channelId()).get(number - 1);
                    previous = before == null ? null : before.block();
                }
                String problem = previous == null && number > 0 ? dataProblem(block) : Blocks.chainProblem(previous, block);
                if (problem != null) {
                    violations.add("broken link", segment.name() + ": " + problem);
                }
                previous = block;
                expected = number + 1;
            }
        }
        return violations.toList();
    }

    /** The data hash alone, for a segment's first block when no correct replica cut the one before it. */
    private static String dataProblem(Block block) {
        boolean matches = block.getHeader().getDataHash()
                .equals(com.google.protobuf.ByteString.copyFrom(Blocks.dataHash(block.getData())));
        return matches ? null : "block " + block.getHeader().getNumber() + "'s data hash does not match its data";
    }
}
