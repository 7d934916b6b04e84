package io.phalanx.sim.check;

import org.hyperledger.fabric.protos.common.Block;

import java.util.List;

/**
 * The blocks one incarnation of a replica cut on one channel from one start of its ordering
 * service's state: the incarnation's start (an empty state, or the checkpoint its disk kept) or a
 * checkpoint that state transfer installed. Within a segment the replica cut blocks one after the
 * other; between segments it may jump ahead.
 *
 * @param replicaId   the replica
 * @param incarnation 0 for the replica as the run started it, then one more per restart
 * @param correct     false for replicas the simulator made Byzantine (and twins)
 * @param channelId   the channel
 * @param firstNumber the number the state the segment started from gives its next block: 0 for an
 *                    empty state, the restored checkpoint's next block after a restore
 * @param blocks      the blocks it cut, in the order it cut them (unsigned, as the service made them)
 */
public record ChainSegment(int replicaId, int incarnation, boolean correct, String channelId, long firstNumber,
                           List<Block> blocks) {
    /**
     * Copies the blocks.
     *
     * @param replicaId   the replica
     * @param incarnation its incarnation
     * @param correct     whether it is correct
     * @param channelId   the channel
     * @param firstNumber the number of the block its state would cut next when the segment began
     * @param blocks      the blocks it cut, in order
     */
    public ChainSegment {
        blocks = List.copyOf(blocks);
    }

    /**
     * How reports name this segment.
     *
     * @return "replica 2 (incarnation 1) on alpha from block 5"
     */
    public String name() {
        return "replica " + replicaId + (incarnation == 0 ? "" : " (incarnation " + incarnation + ")") + " on "
                + channelId + " from block " + firstNumber;
    }
}
