package io.phalanx.sim.check;

import org.hyperledger.fabric.protos.common.Block;

import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * Chain prefix (the ordering service): for each channel, every correct replica's blocks are a
 * prefix of every other correct replica's, block for block: whoever cut a block at a given number
 * cut the same bytes there. Every incarnation counts, and a segment that began at a restored
 * checkpoint is compared from its first block on (the chain link checker verifies that each
 * segment's blocks follow one another, so equal blocks at equal numbers make the chains
 * prefixes of one another). Byzantine replicas are ignored.
 */
public final class ChainPrefixChecker implements Checker {
    @Override
    public String name() {
        return "chain-prefix";
    }

    @Override
    public List<Violation> check(History history) {
        ViolationList violations = new ViolationList(name(), Chains.REPORTS_PER_KIND_MAX);
        Map<String, TreeMap<Long, Chains.Seen>> firstSeen = Chains.firstSeen(history);
        for (ChainSegment segment : Chains.correct(history)) {
            TreeMap<Long, Chains.Seen> chain = firstSeen.get(segment.channelId());
            for (Block block : segment.blocks()) {
                Chains.Seen first = chain.get(block.getHeader().getNumber());
                if (!first.bytes().equals(block.toByteString())) {
                    violations.add("forked chain", "channel " + segment.channelId() + ": " + segment.name() + " cut "
                            + Chains.describe(block) + " but " + first.segment().name() + " cut "
                            + Chains.describe(first.block()));
                }
            }
        }
        return violations.toList();
    }
}
