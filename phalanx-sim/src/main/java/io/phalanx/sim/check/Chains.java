package io.phalanx.sim.check;

import com.google.protobuf.ByteString;
import org.hyperledger.fabric.protos.common.Block;

import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/** What the chain checkers share: the correct replicas' segments and, per channel, the first block seen at each number. */
final class Chains {
    /** How many violations of one kind a chain checker lists before it only counts them. */
    static final int REPORTS_PER_KIND_MAX = 10;

    private Chains() {
    }

    /** A block and the segment it was first seen in. */
    record Seen(Block block, ChainSegment segment) {
        ByteString bytes() {
            return block.toByteString();
        }
    }

    /** The correct replicas' segments, in history order. */
    static List<ChainSegment> correct(History history) {
        List<ChainSegment> correct = new ArrayList<>();
        for (ChainSegment segment : history.chains()) {
            if (segment.correct()) {
                correct.add(segment);
            }
        }
        return correct;
    }

    /**
     * Per channel, per block number, the first block a correct replica cut there (the chain
     * prefix checker verifies that every other correct replica cut the same bytes).
     */
    static Map<String, TreeMap<Long, Seen>> firstSeen(History history) {
        Map<String, TreeMap<Long, Seen>> byChannel = new TreeMap<>();
        for (ChainSegment segment : correct(history)) {
            TreeMap<Long, Seen> chain = byChannel.computeIfAbsent(segment.channelId(), c -> new TreeMap<>());
            for (Block block : segment.blocks()) {
                chain.putIfAbsent(block.getHeader().getNumber(), new Seen(block, segment));
            }
        }
        return byChannel;
    }

    /** "block 4 (3 envelopes, header hash 1a2b3c4d)". */
    static String describe(Block block) {
        String hash = HexFormat.of().formatHex(io.phalanx.ordering.Blocks.headerHash(block.getHeader()), 0, 8);
        return "block " + block.getHeader().getNumber() + " (" + block.getData().getDataCount()
                + " envelopes, header hash " + hash + ")";
    }
}
