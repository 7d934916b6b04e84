package io.phalanx.sim.ordering;

import io.phalanx.ordering.OrderingOperation;
import io.phalanx.ordering.OrderingService;
import io.phalanx.sim.check.ChainSegment;
import org.hyperledger.fabric.protos.common.Block;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * The ordering service of one incarnation of a simulated replica, with a record of every block
 * it cut: its {@link OrderingService.BlockListener} appends each block to the channel's open
 * segment. A segment opens when the incarnation starts (at block 0, from an empty state) and again
 * each time the service's state is replaced by a checkpoint ({@link #restored}), at the number the
 * restored state gives its next block.
 */
public final class ChainRecorder {
    private final int replicaId;
    private final int incarnation;
    private final boolean correct;
    private final OrderingService service;
    private final List<ChainSegment> closed = new ArrayList<>();
    /** Per channel: where the open segment began, and its blocks so far. */
    private final Map<String, Long> openFrom = new TreeMap<>();
    private final Map<String, List<Block>> open = new TreeMap<>();

    /**
     * A new service of {@code setup}, recorded for one incarnation.
     *
     * @param setup       the run's channels
     * @param replicaId   the replica
     * @param incarnation its incarnation
     * @param correct     whether the replica is correct
     * @param then        told of each block after it is recorded (the replica traces it)
     */
    public ChainRecorder(OrderingSetup setup, int replicaId, int incarnation, boolean correct,
                         OrderingService.BlockListener then) {
        this.replicaId = replicaId;
        this.incarnation = incarnation;
        this.correct = correct;
        this.service = setup.newService(cut -> {
            open.get(cut.channelId()).add(cut.block());
            then.onBlock(cut);
        });
        openSegments();
    }

    /**
     * The service whose blocks this records.
     *
     * @return the service
     */
    public OrderingService service() {
        return service;
    }

    /** The service's state was just replaced by a checkpoint: later blocks go to new segments. */
    public void restored() {
        closeSegments();
        openSegments();
    }

    /**
     * Every segment so far that holds a block, the open ones included.
     *
     * @return the segments, in the order they began
     */
    public List<ChainSegment> segments() {
        List<ChainSegment> all = new ArrayList<>(closed);
        open.forEach((channel, blocks) -> {
            if (!blocks.isEmpty()) {
                all.add(segment(channel, blocks));
            }
        });
        return all;
    }

    private void openSegments() {
        for (String channel : OrderingSetup.CHANNELS) {
            OrderingService.ChannelHeight height = OrderingService.ChannelHeight.decode(
                    service.query(new OrderingOperation.Height(channel).encode()));
            openFrom.put(channel, height.nextBlock());
            open.put(channel, new ArrayList<>());
        }
    }

    private void closeSegments() {
        open.forEach((channel, blocks) -> {
            if (!blocks.isEmpty()) {
                closed.add(segment(channel, blocks));
            }
        });
    }

    private ChainSegment segment(String channel, List<Block> blocks) {
        return new ChainSegment(replicaId, incarnation, correct, channel, openFrom.get(channel), blocks);
    }
}
