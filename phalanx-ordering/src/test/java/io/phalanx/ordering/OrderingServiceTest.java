package io.phalanx.ordering;

import com.google.protobuf.ByteString;
import io.phalanx.core.message.Bytes;
import io.phalanx.core.service.ExecutionContext;
import org.hyperledger.fabric.protos.common.Block;
import org.hyperledger.fabric.protos.common.Status;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The ordering service as every node runs it: the same ordered operations give the same blocks,
 * byte for byte, on two channels at once, across a snapshot and restore.
 */
class OrderingServiceTest {
    private static final ChannelLimits LIMITS = new ChannelLimits(3, 10_000, 2_000, 1_000);

    /** A node: the service and the blocks it cut, by channel. */
    /** The view the nodes start in. */
    private static final io.phalanx.core.view.View VIEW_0 = io.phalanx.core.view.View.of(0, 4, 1,
            io.phalanx.core.view.Mode.BFT);

    private static final class Node {
        final Map<String, List<Block>> blocks = new LinkedHashMap<>();
        final OrderingService service;
        final List<OrderingService.CutBlock> cuts = new ArrayList<>();
        long consensusId;
        /** The view the next requests are decided in. */
        io.phalanx.core.view.View view = VIEW_0;

        Node(Map<String, OrderingService.Channel> channels) {
            service = new OrderingService(channels, 100, cut -> {
                blocks.computeIfAbsent(cut.channelId(), c -> new ArrayList<>()).add(cut.block());
                cuts.add(cut);
            });
        }

        Node() {
            this(Map.of("alpha", new OrderingService.Channel(LIMITS, null),
                    "beta", new OrderingService.Channel(LIMITS, null)));
        }

        OrderingService.Result run(OrderingOperation operation, long agreedMs) {
            consensusId++;
            return OrderingService.Result.decode(service.execute(operation.encode(),
                    new ExecutionContext(consensusId, agreedMs, 7, 1000, consensusId, view)));
        }

        OrderingService.Result broadcast(ByteString envelope) {
            return run(new OrderingOperation.Broadcast(envelope), 10_000);
        }
    }

    /** Seven transactions on alpha, two on beta, then alpha's timeout passes. */
    private static void workload(Node node) {
        for (int i = 0; i < 7; i++) {
            assertThat(node.broadcast(TestEnvelopes.transaction("alpha", "a" + i, 100, (byte) i)).status())
                    .isEqualTo(Status.SUCCESS);
            if (i < 2) {
                node.broadcast(TestEnvelopes.transaction("beta", "b" + i, 100, (byte) i));
            }
        }
        node.run(new OrderingOperation.TimeToCut("alpha", 2), 11_000);
    }

    @Test
    void twoNodesGivenTheSameOrderCutTheSameBlocksAndEachChannelIsAHashChain() {
        Node one = new Node();
        Node two = new Node();
        workload(one);
        workload(two);
        assertThat(one.blocks.get("alpha")).hasSize(3).isEqualTo(two.blocks.get("alpha"));
        assertThat(one.blocks.get("alpha").get(2).getData().getDataCount()).isEqualTo(1); // cut by the timeout
        assertThat(one.blocks).doesNotContainKey("beta"); // two pending, timeout not asked for
        for (int i = 0; i < 3; i++) {
            Block previous = i == 0 ? null : one.blocks.get("alpha").get(i - 1);
            assertThat(Blocks.chainProblem(previous, one.blocks.get("alpha").get(i))).isNull();
            assertThat(one.blocks.get("alpha").get(i).toByteArray()).isEqualTo(two.blocks.get("alpha").get(i).toByteArray());
        }
    }

    @Test
    void anEnvelopeBroadcastTwiceIsOrderedOnce() {
        Node node = new Node();
        ByteString envelope = TestEnvelopes.transaction("alpha", "dup", 10, (byte) 1);
        assertThat(node.broadcast(envelope).info()).isEmpty();
        assertThat(node.broadcast(envelope)).isEqualTo(new OrderingService.Result(Status.SUCCESS, "ordered already"));
        node.broadcast(TestEnvelopes.transaction("alpha", "other", 10, (byte) 2));
        node.broadcast(TestEnvelopes.transaction("alpha", "third", 10, (byte) 3));
        assertThat(node.broadcast(envelope).info()).isEqualTo("ordered already"); // in a block by now
        assertThat(node.blocks.get("alpha")).singleElement()
                .satisfies(b -> assertThat(b.getData().getDataList()).containsOnlyOnce(envelope));
    }

    @Test
    void aConfigEnvelopeGetsABlockOfItsOwn() {
        Node node = new Node();
        node.broadcast(TestEnvelopes.transaction("alpha", "t1", 10, (byte) 1));
        node.broadcast(TestEnvelopes.config("alpha", "cfg"));
        assertThat(node.blocks.get("alpha")).hasSize(2);
        assertThat(node.blocks.get("alpha").get(1).getData().getDataCount()).isEqualTo(1);
        assertThat(node.service.lastConfigBlock("alpha")).isEqualTo(1);
    }

    @Test
    void aConfigBlockChangingTheBatchSizeTakesEffectFromTheNextBlockOnEveryNode() {
        Node one = new Node();
        Node two = new Node();
        for (Node node : List.of(one, two)) {
            node.broadcast(TestEnvelopes.transaction("alpha", "t0", 10, (byte) 0));
            node.broadcast(TestEnvelopes.batchConfig("alpha", "cfg", 2, 10_000, 2_000, "1m30s"));
            for (int i = 1; i <= 4; i++) {
                node.broadcast(TestEnvelopes.transaction("alpha", "t" + i, 10, (byte) i));
            }
        }
        // Block 0: t0 (cut before the config), block 1: the config, then blocks of 2 (the new count).
        assertThat(one.blocks.get("alpha")).extracting(b -> b.getData().getDataCount()).containsExactly(1, 1, 2, 2);
        assertThat(one.blocks.get("alpha")).isEqualTo(two.blocks.get("alpha"));
        assertThat(OrderingService.ChannelHeight.decode(one.service.query(new OrderingOperation.Height("alpha").encode()))
                .batchTimeoutMs()).isEqualTo(90_000);
        // Other channels keep their limits; the snapshot carries the new ones.
        Node restored = new Node();
        restored.service.restore(one.service.snapshot());
        restored.broadcast(TestEnvelopes.transaction("alpha", "t5", 10, (byte) 5));
        restored.broadcast(TestEnvelopes.transaction("alpha", "t6", 10, (byte) 6));
        assertThat(restored.blocks.get("alpha")).singleElement().satisfies(b -> assertThat(b.getData().getDataCount()).isEqualTo(2));
    }

    @Test
    void aConfigEnvelopeWithInvalidBatchLimitsIsRefused() {
        Node node = new Node();
        assertThat(node.broadcast(TestEnvelopes.batchConfig("alpha", "bad", 0, 10_000, 2_000, "2s")).info())
                .startsWith("the config sets invalid batch limits");
        assertThat(node.broadcast(TestEnvelopes.batchConfig("alpha", "bad2", 5, 10_000, 2_000, "soon")).info())
                .isEqualTo("'soon' is no duration (e.g. 2s, 500ms, 1m30s)");
        assertThat(node.broadcast(TestEnvelopes.envelope("alpha", org.hyperledger.fabric.protos.common.HeaderType.CONFIG,
                "junk", 8, (byte) 0x63)).info()).startsWith("the config envelope cannot be read");
        assertThat(node.blocks).isEmpty();
    }

    @Test
    void badEnvelopesAreRefusedWithFabricsStatusAndCutNothing() {
        Node node = new Node();
        assertThat(node.broadcast(ByteString.copyFromUtf8("not protobuf at all")).status()).isEqualTo(Status.BAD_REQUEST);
        assertThat(node.broadcast(TestEnvelopes.transaction("gamma", "x", 10, (byte) 1)))
                .isEqualTo(new OrderingService.Result(Status.NOT_FOUND, "no channel gamma"));
        assertThat(node.broadcast(TestEnvelopes.transaction("alpha", "big", 10_001, (byte) 1)).status())
                .isEqualTo(Status.REQUEST_ENTITY_TOO_LARGE);
        assertThat(OrderingService.Result.decode(node.service.execute(Bytes.utf8("?"),
                new ExecutionContext(1, 1, 1, 1, 1, VIEW_0))).status()).isEqualTo(Status.BAD_REQUEST);
        assertThat(node.blocks).isEmpty();
    }

    @Test
    void aTimeToCutCutsOnlyTheNextBlockAndOnlyOnceItsTimeoutPassedInAgreedTime() {
        Node node = new Node();
        node.broadcast(TestEnvelopes.transaction("alpha", "t1", 10, (byte) 1)); // pending since 10,000
        assertThat(node.run(new OrderingOperation.TimeToCut("alpha", 0), 10_500).info()).contains("has not passed");
        assertThat(node.run(new OrderingOperation.TimeToCut("alpha", 1), 12_000).info())
                .isEqualTo("nothing is pending for block 1");
        OrderingService.ChannelHeight height = OrderingService.ChannelHeight.decode(
                node.service.query(new OrderingOperation.Height("alpha").encode()));
        assertThat(height).isEqualTo(new OrderingService.ChannelHeight(0, 1, 10_000, 1_000));
        // Ordered, as a client orders a read that recovering replicas would not answer: the same answer.
        assertThat(OrderingService.ChannelHeight.decode(node.service.execute(new OrderingOperation.Height("alpha").encode(),
                new ExecutionContext(99, 10_400, 7, 1000, 99, VIEW_0)))).isEqualTo(height);
        assertThat(node.run(new OrderingOperation.TimeToCut("alpha", 0), 11_000).info()).isEmpty();
        assertThat(node.blocks.get("alpha")).hasSize(1);
        assertThat(node.run(new OrderingOperation.TimeToCut("alpha", 0), 20_000).info()).contains("cut already");
    }

    @Test
    void aNodeRestoredFromASnapshotCutsTheSameBlocksAsOneThatRanThroughout() {
        Node throughout = new Node();
        Node restored = new Node();
        Node source = new Node();
        for (Node node : List.of(throughout, source)) {
            node.broadcast(TestEnvelopes.transaction("alpha", "t1", 10, (byte) 1));
            node.broadcast(TestEnvelopes.transaction("alpha", "t2", 10, (byte) 2));
        }
        Bytes snapshot = source.service.snapshot();
        restored.service.restore(snapshot);
        assertThat(restored.service.snapshot()).isEqualTo(snapshot);
        for (Node node : List.of(throughout, restored)) {
            node.broadcast(TestEnvelopes.transaction("alpha", "t2", 10, (byte) 2)); // a repeat: remembered
            node.broadcast(TestEnvelopes.transaction("alpha", "t3", 10, (byte) 3));
        }
        assertThat(restored.blocks.get("alpha")).isEqualTo(throughout.blocks.get("alpha")).hasSize(1);
        assertThat(restored.blocks.get("alpha").get(0).getData().getDataCount()).isEqualTo(3);
    }

    @Test
    void aChannelWithAGenesisBlockContinuesItsChain() {
        Block genesis = Blocks.build(0, ByteString.EMPTY, List.of(TestEnvelopes.config("alpha", "genesis")));
        Node node = new Node(Map.of("alpha", new OrderingService.Channel(LIMITS, genesis)));
        node.broadcast(TestEnvelopes.config("alpha", "update"));
        Block first = node.blocks.get("alpha").get(0);
        assertThat(first.getHeader().getNumber()).isEqualTo(1);
        assertThat(Blocks.chainProblem(genesis, first)).isNull();
        assertThat(node.service.lastConfigBlock("alpha")).isEqualTo(1);
    }

    @Test
    void theViewsThatDecidedRequestsAreReadByIdAndTravelWithTheSnapshot() throws Exception {
        Node node = new Node();
        io.phalanx.core.view.View view1 = io.phalanx.core.view.View.of(1, 5, 1, io.phalanx.core.view.Mode.BFT);
        for (int i = 0; i < 10; i++) {
            node.broadcast(TestEnvelopes.transaction("alpha", "t" + i, 10, (byte) i));
        }
        node.view = view1;
        for (int i = 10; i < 20; i++) {
            node.broadcast(TestEnvelopes.transaction("alpha", "t" + i, 10, (byte) i));
        }
        assertThat(node.cuts).extracting(cut -> cut.view().id()).startsWith(0L).endsWith(1L);

        Node restored = new Node();
        restored.service.restore(node.service.snapshot());
        for (Node reader : List.of(node, restored)) {
            for (io.phalanx.core.view.View view : List.of(VIEW_0, view1)) {
                OrderingService.ViewAnswer answer = OrderingService.ViewAnswer.decode(
                        reader.service.query(new OrderingOperation.ViewOf(view.id()).encode()));
                assertThat(io.phalanx.core.codec.MessageCodec.decodeView(answer.encodedView().toArray())).isEqualTo(view);
            }
            OrderingService.ViewAnswer unknown = OrderingService.ViewAnswer.decode(
                    reader.service.query(new OrderingOperation.ViewOf(2).encode()));
            assertThat(unknown.encodedView()).isNull();
            assertThat(unknown.refusal().status()).isEqualTo(Status.NOT_FOUND);
        }
        assertThat(restored.service.snapshot()).isEqualTo(node.service.snapshot());
    }
}
