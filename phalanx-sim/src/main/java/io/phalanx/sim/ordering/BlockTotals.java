package io.phalanx.sim.ordering;

import com.google.protobuf.ByteString;
import io.phalanx.core.message.Bytes;
import io.phalanx.ordering.ChannelConfigs;
import io.phalanx.ordering.ChannelLimits;
import io.phalanx.ordering.OrderingOperation;
import io.phalanx.ordering.OrderingService;
import io.phalanx.sim.SimResult;
import io.phalanx.sim.check.ChainSegment;
import io.phalanx.sim.check.ClientOperation;
import org.hyperledger.fabric.protos.common.Block;
import org.hyperledger.fabric.protos.common.Status;

import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * How many blocks a run of the ordering service cut, and why: the distinct (channel, number)
 * pairs among the correct replicas' blocks; the config blocks among them; those holding the
 * {@code maxMessageCount} envelopes in force at their number (cut by count; the limits followed
 * block by block from the run's, through each config block); those a client's time-to-cut
 * request cut (its answer is a plain {@code SUCCESS}); the rest were cut by bytes (the next
 * envelope did not fit, was too large to share a block, or was a config envelope, which goes
 * alone).
 *
 * @param blocks    blocks cut
 * @param byCount   blocks cut full (config blocks excepted)
 * @param byTimeout blocks cut by a time-to-cut request a correct client saw succeed
 * @param config    config blocks
 */
public record BlockTotals(long blocks, long byCount, long byTimeout, long config) {
    /** No blocks. */
    public static final BlockTotals NONE = new BlockTotals(0, 0, 0, 0);

    /**
     * The totals of one run.
     *
     * @param result the run
     * @return its blocks
     */
    public static BlockTotals of(SimResult result) {
        OrderingSetup setup = OrderingSetup.of(result.config());
        // Every correct replica's chain is a prefix of every other's (ChainPrefixChecker), so
        // their blocks by number make one chain per channel.
        Map<String, TreeMap<Long, Block>> chains = new TreeMap<>();
        for (ChainSegment segment : result.history().chains()) {
            if (segment.correct()) {
                for (Block block : segment.blocks()) {
                    chains.computeIfAbsent(segment.channelId(), c -> new TreeMap<>())
                            .putIfAbsent(block.getHeader().getNumber(), block);
                }
            }
        }
        long blocks = 0;
        long full = 0;
        long config = 0;
        for (Map.Entry<String, TreeMap<Long, Block>> chain : chains.entrySet()) {
            ChannelLimits limits = setup.limits(chain.getKey());
            for (Block block : chain.getValue().values()) {
                blocks++;
                List<ByteString> envelopes = block.getData().getDataList();
                if (envelopes.size() == 1 && ChannelConfigs.isConfig(envelopes.get(0))) {
                    config++;
                } else if (envelopes.size() == limits.maxMessageCount()) {
                    full++;
                }
                if (!envelopes.isEmpty()) {
                    limits = ChannelConfigs.limitsAfter(envelopes.get(envelopes.size() - 1), limits);
                }
            }
        }
        long timeouts = result.history().operations().stream().filter(BlockTotals::cutByTimeout).count();
        return new BlockTotals(blocks, full, timeouts, config);
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
        return new BlockTotals(blocks + other.blocks, byCount + other.byCount, byTimeout + other.byTimeout,
                config + other.config);
    }

    @Override
    public String toString() {
        return blocks + " (" + byCount + " full, " + byTimeout + " by time-to-cut, " + config + " config, "
                + (blocks - byCount - byTimeout - config) + " by bytes)";
    }
}
