package io.phalanx.sim.ordering;

import io.phalanx.core.message.Bytes;
import io.phalanx.ordering.OrderingOperation;
import io.phalanx.ordering.OrderingService;
import io.phalanx.sim.SimResult;
import io.phalanx.sim.check.ChainSegment;
import io.phalanx.sim.check.ClientOperation;
import org.hyperledger.fabric.protos.common.Block;
import org.hyperledger.fabric.protos.common.Status;

import java.util.HashSet;
import java.util.Set;

/**
 * How many blocks a run of the ordering service cut, and why: the distinct (channel, number)
 * pairs among the correct replicas' blocks; those holding the channel's {@code maxMessageCount}
 * envelopes (cut by count); those a client's time-to-cut request cut (its answer is a plain
 * {@code SUCCESS}); the rest were cut by bytes (the next envelope did not fit, or was too large to
 * share a block).
 *
 * @param blocks    blocks cut
 * @param byCount   blocks cut full
 * @param byTimeout blocks cut by a time-to-cut request a correct client saw succeed
 */
public record BlockTotals(long blocks, long byCount, long byTimeout) {
    /** No blocks. */
    public static final BlockTotals NONE = new BlockTotals(0, 0, 0);

    /**
     * The totals of one run.
     *
     * @param result the run
     * @return its blocks
     */
    public static BlockTotals of(SimResult result) {
        OrderingSetup setup = OrderingSetup.of(result.config());
        Set<String> seen = new HashSet<>();
        long full = 0;
        for (ChainSegment segment : result.history().chains()) {
            if (!segment.correct()) {
                continue;
            }
            for (Block block : segment.blocks()) {
                if (seen.add(segment.channelId() + "/" + block.getHeader().getNumber())
                        && block.getData().getDataCount() == setup.limits(segment.channelId()).maxMessageCount()) {
                    full++;
                }
            }
        }
        long timeouts = result.history().operations().stream().filter(BlockTotals::cutByTimeout).count();
        return new BlockTotals(seen.size(), full, timeouts);
    }

    private static boolean cutByTimeout(ClientOperation operation) {
        if (!operation.completed() || !(decode(operation.operation()) instanceof OrderingOperation.TimeToCut)) {
            return false;
        }
        OrderingService.Result answer = OrderingService.Result.decode(operation.result());
        return answer.status() == Status.SUCCESS && answer.info().isEmpty();
    }

    private static OrderingOperation decode(Bytes operation) {
        try {
            return OrderingOperation.decode(operation);
        } catch (IllegalArgumentException e) {
            return null;
        }
    }

    /**
     * These totals and {@code other}'s.
     *
     * @param other more totals
     * @return the sums
     */
    public BlockTotals plus(BlockTotals other) {
        return new BlockTotals(blocks + other.blocks, byCount + other.byCount, byTimeout + other.byTimeout);
    }

    @Override
    public String toString() {
        return blocks + " (" + byCount + " full, " + byTimeout + " by time-to-cut, " + (blocks - byCount - byTimeout)
                + " by bytes)";
    }
}
