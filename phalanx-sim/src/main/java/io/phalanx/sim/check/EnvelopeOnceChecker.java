package io.phalanx.sim.check;

import com.google.protobuf.ByteString;
import org.hyperledger.fabric.protos.common.Block;

import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * Each envelope is ordered once (the ordering service): no envelope is in two blocks of a
 * channel, or twice in one, along the chain the correct replicas cut (the first block seen at
 * each number; the chain prefix checker verifies the others equal it). Clients send some
 * envelopes twice, or through two clients as several frontends would, and the service must
 * recognise the repeats. That holds within the service's {@code dedupWindow}, which the simulator
 * sets above every envelope its correct clients can send in a run, so here it holds throughout.
 */
public final class EnvelopeOnceChecker implements Checker {
    /** Where an envelope was first seen. */
    private record Place(long blockNumber, int index) {
    }

    @Override
    public String name() {
        return "envelope-once";
    }

    @Override
    public List<Violation> check(History history) {
        ViolationList violations = new ViolationList(name(), Chains.REPORTS_PER_KIND_MAX);
        for (Map.Entry<String, TreeMap<Long, Chains.Seen>> channel : Chains.firstSeen(history).entrySet()) {
            Map<ByteString, Place> placed = new HashMap<>();
            for (Chains.Seen seen : channel.getValue().values()) {
                Block block = seen.block();
                long number = block.getHeader().getNumber();
                for (int i = 0; i < block.getData().getDataCount(); i++) {
                    Place first = placed.putIfAbsent(block.getData().getData(i), new Place(number, i));
                    if (first != null) {
                        violations.add("envelope ordered twice", "channel " + channel.getKey() + ": the envelope at "
                                + "block " + first.blockNumber() + " index " + first.index() + " is again at block "
                                + number + " index " + i + " (" + seen.segment().name() + ")");
                    }
                }
            }
        }
        return violations.toList();
    }
}
