package io.phalanx.ordering;

import com.google.protobuf.ByteString;
import io.phalanx.core.view.View;
import io.phalanx.runtime.Client;
import io.phalanx.runtime.CoreSettings;
import io.phalanx.runtime.Replica;
import io.phalanx.runtime.config.ClusterConfigLoader;
import io.phalanx.runtime.config.Mode;
import io.phalanx.runtime.keys.KeyFiles;
import io.phalanx.runtime.keys.Keygen;
import org.hyperledger.fabric.protos.common.Block;
import org.hyperledger.fabric.protos.common.Status;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import java.net.ServerSocket;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ThreadLocalRandom;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Four ordering nodes on real replicas (TLS on loopback, durable logs): envelopes a client
 * broadcasts come out as the same chained blocks on every node, each signed by every node, and a
 * node restarted on its data directory goes on with the same blocks.
 */
@Timeout(120)
class OrderingNodeTest {
    /** Checks block signatures as the frontends do. */
    private final io.phalanx.core.crypto.SignatureVerifier verifier = io.phalanx.runtime.CoreSettings.replicaVerifier();
    private static final String CHANNEL = "alpha";
    private static final String OTHER_CHANNEL = "beta";
    /** Blocks of up to 80 envelopes within 8 MiB: larger than the 4 MiB gRPC takes by default. */
    private static final String LARGE_BLOCK_CHANNEL = "gamma";
    private static final Map<String, OrderingService.Channel> CHANNELS = Map.of(
            CHANNEL, new OrderingService.Channel(new ChannelLimits(10, 1 << 20, 1 << 19, 300), null),
            OTHER_CHANNEL, new OrderingService.Channel(new ChannelLimits(10, 1 << 20, 1 << 19, 300), null),
            LARGE_BLOCK_CHANNEL, new OrderingService.Channel(new ChannelLimits(80, 8 << 20, 8 << 20, 300), null));

    @TempDir
    Path dir;
    /** The channels nodes start with, and who may write to them as the frontend checks it. */
    private Map<String, OrderingService.Channel> channels = CHANNELS;
    private Writers frontendWriters = Writers.ANYONE;
    /** Nodes that refuse more than the service does (censors), by id. */
    private Map<Integer, io.phalanx.core.service.RequestVerifier> refusing = Map.of();
    private Path config;
    /** The next key of a key rotation a node starts with, by id. */
    private final Map<Integer, io.phalanx.runtime.keys.NodeIdentity> nextIdentities = new java.util.HashMap<>();
    private final OrderingNode[] nodes = new OrderingNode[4];
    private final NodeDeliverServer[] servers = new NodeDeliverServer[4];
    private Frontend frontend;
    private io.grpc.Server forger;
    /** The nodes' deliver endpoints once {@link #frontendOverFourNodes} started them. */
    private final Map<Integer, java.net.InetSocketAddress> deliverEndpoints = new java.util.TreeMap<>();
    private io.grpc.ManagedChannel fabric;

    /** The TLS settings of replica {@code id}'s node, or of client {@code id}'s frontend for ids from 1000 on. */
    private OrderingTls tls(long id) throws Exception {
        var cluster = ClusterConfigLoader.load(config);
        String name = id >= 1000 ? "client-" + id : "replica-" + id;
        var certificate = id >= 1000 ? cluster.client(id).orElseThrow().certificate()
                : cluster.replica((int) id).orElseThrow().certificate();
        return OrderingTls.of(cluster, KeyFiles.loadIdentity(dir.resolve("keys/" + name + ".key"), certificate));
    }

    /** A Fabric client's channel to {@code frontend}, which presents client {@code id}'s certificate. */
    private io.grpc.ManagedChannel fabricChannel(Frontend frontend, long id) throws Exception {
        return OrderingTls.fabricChannel(new java.net.InetSocketAddress("127.0.0.1", frontend.port()),
                List.of(tls(id).identity().publicKey()));
    }

    private NodeDeliverServer serve(int id, int port) throws Exception {
        servers[id] = NodeDeliverServer.start(nodes[id], new java.net.InetSocketAddress("127.0.0.1", port), tls(id));
        return servers[id];
    }

    private OrderingNode start(int id) throws Exception {
        Path data = dir.resolve("data/replica-" + id);
        var cluster = ClusterConfigLoader.load(config);
        var identity = KeyFiles.loadIdentity(dir.resolve("keys/replica-" + id + ".key"),
                cluster.replica(id).orElseThrow().certificate());
        Replica.Builder builder = Replica.builder().config(config).id(id).identity(identity).dataDirectory(data);
        if (nextIdentities.containsKey(id)) {
            builder.nextIdentity(nextIdentities.get(id));
        }
        nodes[id] = OrderingNode.start(builder, id, identity, data, channels, 1_000,
                refusing.getOrDefault(id, io.phalanx.core.service.RequestVerifier.ACCEPT_ALL));
        return nodes[id];
    }

    @AfterEach
    void stop() {
        if (fabric != null) {
            fabric.shutdownNow();
        }
        if (frontend != null) {
            frontend.close();
        }
        if (forger != null) {
            forger.shutdownNow();
        }
        for (NodeDeliverServer server : servers) {
            if (server != null) {
                server.close();
            }
        }
        for (OrderingNode node : nodes) {
            if (node != null) {
                node.close();
            }
        }
    }

    private static OrderingService.Result broadcast(Client client, ByteString envelope) {
        return OrderingService.Result.decode(client.invoke(new OrderingOperation.Broadcast(envelope).encode()));
    }

    private void awaitHeight(int node, long height) throws InterruptedException {
        long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
        while (nodes[node].height(CHANNEL) < height && System.nanoTime() < deadline) {
            Thread.sleep(10);
        }
        assertThat(nodes[node].height(CHANNEL)).as("blocks stored by node %d", node).isEqualTo(height);
    }

    @Test
    void fourNodesStoreTheSameChainedBlocksEachSignedByAllAndARestartedNodeGoesOn() throws Exception {
        config = new Keygen(new SecureRandom()).generate(new Keygen.Options(4, 1, dir, Mode.BFT, null, "127.0.0.1",
                freeBasePort()), Instant.now()).clusterFile();
        View view = CoreSettings.view(ClusterConfigLoader.load(config));
        for (int id = 0; id < 4; id++) {
            start(id);
        }
        try (Client client = Client.builder().config(config).id(1000).build()) {
            for (int i = 0; i < 25; i++) {
                assertThat(broadcast(client, TestEnvelopes.transaction(CHANNEL, "t" + i, 100, (byte) i)).status())
                        .isEqualTo(Status.SUCCESS);
            }
            Thread.sleep(400); // the batch timeout, in the leader's clock, for the last five
            OrderingService.Result cut = OrderingService.Result.decode(
                    client.invoke(new OrderingOperation.TimeToCut(CHANNEL, 2).encode()));
            assertThat(cut).isEqualTo(new OrderingService.Result(Status.SUCCESS, ""));
            for (int id = 0; id < 4; id++) {
                awaitHeight(id, 3);
            }
            Block previous = null;
            for (long number = 0; number < 3; number++) {
                List<Block> copies = new ArrayList<>();
                for (OrderingNode node : nodes) {
                    copies.add(node.block(CHANNEL, number));
                }
                for (Block copy : copies) {
                    assertThat(copy.getHeader()).isEqualTo(copies.get(0).getHeader());
                    assertThat(copy.getData()).isEqualTo(copies.get(0).getData());
                }
                Block merged = BlockSignatures.merge(copies.get(0), copies.subList(1, 4));
                assertThat(BlockSignatures.validSigners(merged, view, verifier)).containsExactly(0, 1, 2, 3);
                assertThat(Blocks.chainProblem(previous, merged)).isNull();
                previous = merged;
            }
            assertThat(nodes[0].block(CHANNEL, 2).getData().getDataCount()).isEqualTo(5);

            // Node 3 restarts on its data directory: it executes its last decisions again, which
            // cut blocks it has, asks its peers what it missed (the cluster is idle), and goes on.
            nodes[3].close();
            for (int i = 25; i < 35; i++) {
                broadcast(client, TestEnvelopes.transaction(CHANNEL, "t" + i, 100, (byte) i));
            }
            start(3);
            awaitHeight(3, 4);
            for (int i = 35; i < 45; i++) {
                broadcast(client, TestEnvelopes.transaction(CHANNEL, "t" + i, 100, (byte) i));
            }
            awaitHeight(0, 5);
            awaitHeight(3, 5);
            for (long number = 3; number < 5; number++) {
                assertThat(nodes[3].block(CHANNEL, number).getHeader()).isEqualTo(nodes[0].block(CHANNEL, number).getHeader());
                assertThat(Blocks.chainProblem(nodes[3].block(CHANNEL, number - 1), nodes[3].block(CHANNEL, number))).isNull();
            }
            assertThat(nodes[3].storeBehind()).isEmpty();
        }
    }

    /**
     * Four nodes, a frontend over their deliver endpoints (node 3's from {@code node3Deliver} if
     * given, else its own), and a Fabric client's stub to the frontend.
     */
    private org.hyperledger.fabric.protos.orderer.AtomicBroadcastGrpc.AtomicBroadcastStub frontendOverFourNodes(
            java.util.function.Function<OrderingNode, io.grpc.BindableService> node3Deliver) throws Exception {
        config = new Keygen(new SecureRandom()).generate(new Keygen.Options(4, 2, dir, Mode.BFT, null, "127.0.0.1",
                freeBasePort()), Instant.now()).clusterFile();
        View view = CoreSettings.view(ClusterConfigLoader.load(config));
        Map<Integer, java.net.InetSocketAddress> deliver = deliverEndpoints;
        for (int id = 0; id < 4; id++) {
            start(id);
            if (id == 3 && node3Deliver != null) {
                forger = tls(3).deliverServer(new java.net.InetSocketAddress("127.0.0.1", 0))
                        .addService(node3Deliver.apply(nodes[3])).build().start();
                deliver.put(id, new java.net.InetSocketAddress("127.0.0.1", forger.getPort()));
                continue;
            }
            deliver.put(id, new java.net.InetSocketAddress("127.0.0.1", serve(id, 0).port()));
        }
        frontend = Frontend.start(Client.builder().config(config).id(1000).build(), view, deliver,
                java.util.Set.of(CHANNEL, OTHER_CHANNEL), new java.net.InetSocketAddress("127.0.0.1", 0), tls(1000), false, frontendWriters);
        fabric = fabricChannel(frontend, 1000);
        return org.hyperledger.fabric.protos.orderer.AtomicBroadcastGrpc.newStub(fabric);
    }

    @Test
    void aBlockLargerThanGrpcsDefaultMessageSizeReachesTheClient() throws Exception {
        var stub = frontendOverFourNodes(null);
        // 80 envelopes of 60,000 bytes: one block of 4.8 MB. A frontend that took gRPC's default
        // 4 MiB from the nodes failed each node's stream on it and opened it again, forever.
        assertThat(broadcastAll(stub, LARGE_BLOCK_CHANNEL, 0, 80, 60_000)).containsOnly(Status.SUCCESS).hasSize(80);
        List<Block> blocks = deliver(stub, LARGE_BLOCK_CHANNEL, 0, 0);
        assertThat(blocks).hasSize(1);
        assertThat(blocks.get(0).getData().getDataCount()).isEqualTo(80);
        assertThat(blocks.get(0).getSerializedSize()).isGreaterThan(4 << 20);
        assertThat(BlockSignatures.signedByQuorum(blocks.get(0), CoreSettings.view(ClusterConfigLoader.load(config)), verifier)).isTrue();
    }

    @Test
    void aFabricClientBroadcastsThroughAFrontendAndDeliversQuorumSignedBlocksWhileANodeIsDown() throws Exception {
        var stub = frontendOverFourNodes(null);
        View view = CoreSettings.view(ClusterConfigLoader.load(config));

        assertThat(broadcastAll(stub, CHANNEL, 0, 25)).containsOnly(Status.SUCCESS).hasSize(25);
        // 25 envelopes with blocks of 10: two blocks, and the frontend cuts the last five by the timeout.
        List<Block> blocks = deliver(stub, CHANNEL, 0, 2);
        assertThat(blocks).hasSize(3);
        Block previous = null;
        for (Block block : blocks) {
            assertThat(BlockSignatures.signedByQuorum(block, view, verifier)).isTrue();
            assertThat(Blocks.chainProblem(previous, block)).isNull();
            previous = block;
        }
        assertThat(blocks.get(2).getData().getDataCount()).isEqualTo(5);
        // A node's endpoint asked for HEADER_WITH_SIG (as the frontend asks all but f+1 nodes) sends
        // the header and the node's signature without the envelopes.
        io.grpc.ManagedChannel toNode = tls(1000).channelToNode(new java.net.InetSocketAddress("127.0.0.1", servers[2].port()));
        try {
            StreamCollector<org.hyperledger.fabric.protos.orderer.DeliverResponse> headers = new StreamCollector<>();
            var requests = org.hyperledger.fabric.protos.orderer.AtomicBroadcastGrpc.newStub(toNode).deliver(headers);
            requests.onNext(Seek.request(CHANNEL, 0, 2, true));
            assertThat(headers.awaitEnd(30_000)).isTrue();
            List<Block> headerCopies = headers.received().stream()
                    .filter(org.hyperledger.fabric.protos.orderer.DeliverResponse::hasBlock)
                    .map(org.hyperledger.fabric.protos.orderer.DeliverResponse::getBlock).toList();
            assertThat(headerCopies).hasSize(3).allSatisfy(copy -> {
                assertThat(copy.getData().getDataCount()).isZero();
                assertThat(copy.getHeader()).isEqualTo(blocks.get((int) copy.getHeader().getNumber()).getHeader());
                assertThat(BlockSignatures.validSigners(copy, view, verifier)).containsExactly(2);
            });
        } finally {
            toNode.shutdownNow();
        }

        // Node 3 goes silent: its copies never come, and a quorum of the other three is enough.
        servers[3].close();
        nodes[3].close();
        nodes[3] = null;
        assertThat(broadcastAll(stub, CHANNEL, 25, 35)).containsOnly(Status.SUCCESS);
        List<Block> later = deliver(stub, CHANNEL, 3, 3);
        assertThat(later).singleElement().satisfies(block -> {
            assertThat(BlockSignatures.validSigners(block, view, verifier)).containsExactly(0, 1, 2);
            assertThat(Blocks.chainProblem(blocks.get(2), block)).isNull();
        });
    }

    @Test
    void aLeaderThatTakesPartInEverythingButDropsEveryEnvelopeIsReplacedAndTheEnvelopesAreDelivered() throws Exception {
        // Node 0 leads regency 0; it answers its peers, votes and cuts blocks, but never lets an
        // envelope be ordered: it drops the frontend's broadcasts and refuses proposals holding one.
        refusing = Map.of(0, request -> !(OrderingOperation.decode(request.operation()) instanceof OrderingOperation.Broadcast));
        var stub = frontendOverFourNodes(null);
        View view = CoreSettings.view(ClusterConfigLoader.load(config));
        assertThat(view.leaderOf(0)).isZero();

        assertThat(broadcastAll(stub, CHANNEL, 0, 20)).containsOnly(Status.SUCCESS);
        List<Block> blocks = deliver(stub, CHANNEL, 0, 1);
        List<ByteString> ordered = new ArrayList<>();
        blocks.forEach(block -> ordered.addAll(block.getData().getDataList()));
        assertThat(ordered).hasSize(20).doesNotHaveDuplicates();
        for (int id = 1; id < 4; id++) {
            assertThat(nodes[id].replica().status().regency()).as("node %d's regency", id).isPositive();
            assertThat(nodes[id].replica().status().leader()).as("node %d's leader", id).isNotZero();
        }
    }

    @Test
    void onlyWritersEnvelopesAreOrderedWhetherTheyComeThroughAFrontendOrStraightToTheNodes() throws Exception {
        TestOrganisation org1 = new TestOrganisation("Org1MSP");
        TestOrganisation org2 = new TestOrganisation("Org2MSP");
        Writers writers = new Writers(Map.of("Org1MSP", List.of(org1.root)));
        channels = Map.of(CHANNEL, new OrderingService.Channel(new ChannelLimits(10, 1 << 20, 1 << 19, 300), null, writers),
                OTHER_CHANNEL, CHANNELS.get(OTHER_CHANNEL));
        frontendWriters = writers;
        var stub = frontendOverFourNodes(null);

        StreamCollector<org.hyperledger.fabric.protos.orderer.BroadcastResponse> answers = new StreamCollector<>();
        var requests = stub.broadcast(answers);
        for (int i = 0; i < 10; i++) {
            requests.onNext(org1.signedTransaction(CHANNEL, "good-" + i, 100));
            requests.onNext(org2.signedTransaction(CHANNEL, "other-org-" + i, 100));
        }
        requests.onCompleted();
        assertThat(answers.awaitEnd(30_000)).isTrue();
        List<org.hyperledger.fabric.protos.orderer.BroadcastResponse> statuses = answers.received();
        assertThat(statuses).hasSize(20);
        for (int i = 0; i < 20; i += 2) {
            assertThat(statuses.get(i).getStatus()).isEqualTo(Status.SUCCESS);
            assertThat(statuses.get(i + 1).getStatus()).isEqualTo(Status.FORBIDDEN);
            assertThat(statuses.get(i + 1).getInfo()).contains("'Org2MSP' is not among");
        }
        // A client that bypasses the frontend gets nothing past the nodes' own check: the envelope
        // is dropped on arrival (and would be refused in a proposal), so the call times out.
        try (Client direct = Client.builder().config(config).id(1001).callTimeout(Duration.ofSeconds(2)).build()) {
            org.assertj.core.api.Assertions.assertThatThrownBy(() -> broadcast(direct,
                    org2.signedTransaction(CHANNEL, "straight-" + 0, 100).toByteString()))
                    .isInstanceOf(io.phalanx.runtime.PhalanxTimeoutException.class);
            assertThat(broadcast(direct, org1.signedTransaction(CHANNEL, "straight-good", 100).toByteString()).status())
                    .isEqualTo(Status.SUCCESS);
        }
        awaitHeight(0, 1);
        List<Block> blocks = deliver(stub, CHANNEL, 0, 1); // ten, then the one cut by the timeout
        List<String> ordered = new ArrayList<>();
        for (Block block : blocks) {
            for (ByteString data : block.getData().getDataList()) {
                var payload = org.hyperledger.fabric.protos.common.Payload.parseFrom(
                        org.hyperledger.fabric.protos.common.Envelope.parseFrom(data).getPayload());
                ordered.add(org.hyperledger.fabric.protos.common.ChannelHeader.parseFrom(
                        payload.getHeader().getChannelHeader()).getTxId());
            }
        }
        assertThat(ordered).hasSize(11).allMatch(txId -> txId.startsWith("good-") || txId.equals("straight-good"));
        assertThat(nodes[0].replica().status().counters().get(io.phalanx.core.replica.Counter.INVALID_REQUEST))
                .as("the direct forgery counted where it arrived").isPositive();
    }

    @Test
    void deliverEndpointsAndFrontendsAdmitOnlyPinnedKeysOverTls() throws Exception {
        var stub = frontendOverFourNodes(null);
        assertThat(broadcastAll(stub, CHANNEL, 0, 10)).containsOnly(Status.SUCCESS);
        var node2 = new java.net.InetSocketAddress("127.0.0.1", servers[2].port());
        // A key the cluster file does not name is refused by a node's deliver endpoint.
        var stranger = new Keygen(new SecureRandom()).generate(new Keygen.Options(4, 0, dir.resolve("stranger"), Mode.BFT,
                null, "127.0.0.1", 1), Instant.now()).clusterFile();
        var strangerIdentity = KeyFiles.loadIdentity(dir.resolve("stranger/keys/replica-0.key"),
                ClusterConfigLoader.load(stranger).replica(0).orElseThrow().certificate());
        OrderingTls ours = tls(1000);
        assertThat(deliverFailure(new OrderingTls(strangerIdentity, ours.nodes(), ours.readers()).channelToNode(node2)))
                .as("a stranger reading a node").isNotNull();
        // A reader that pins other keys does not talk to the node, nor a plaintext one.
        assertThat(deliverFailure(new OrderingTls(ours.identity(), List.of(strangerIdentity.publicKey()), ours.readers())
                .channelToNode(node2))).as("a reader pinning another key").isNotNull();
        assertThat(deliverFailure(io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder.forAddress(node2).usePlaintext()
                .build())).as("a plaintext reader").isNotNull();
        // A Fabric client that pins another key does not talk to the frontend; the pinned key does.
        assertThat(deliverFailure(OrderingTls.fabricChannel(new java.net.InetSocketAddress("127.0.0.1", frontend.port()),
                List.of(strangerIdentity.publicKey())))).as("a Fabric client pinning another key").isNotNull();
        assertThat(deliverFailure(ours.channelToNode(node2))).as("the frontend's own key").isNull();
    }

    /** Reads block 0 of the channel over {@code channel} (then closes it): why that failed, or null. */
    private static Throwable deliverFailure(io.grpc.ManagedChannel channel) throws InterruptedException {
        try {
            StreamCollector<org.hyperledger.fabric.protos.orderer.DeliverResponse> answers = new StreamCollector<>();
            var requests = org.hyperledger.fabric.protos.orderer.AtomicBroadcastGrpc.newStub(channel).deliver(answers);
            requests.onNext(Seek.request(CHANNEL, 0, 0));
            assertThat(answers.awaitEnd(30_000)).isTrue();
            if (answers.error() == null) {
                assertThat(answers.received()).anyMatch(org.hyperledger.fabric.protos.orderer.DeliverResponse::hasBlock);
            }
            return answers.error();
        } finally {
            channel.shutdownNow();
        }
    }

    @Test
    void aLongDeliveryOutlivesRestartsOfTheNodesItTakesWholeBlocksFrom() throws Exception {
        var stub = frontendOverFourNodes(null);
        StreamCollector<org.hyperledger.fabric.protos.orderer.DeliverResponse> delivered = new StreamCollector<>();
        var requests = stub.deliver(delivered);
        requests.onNext(Seek.request(CHANNEL, 0, Long.MAX_VALUE));
        assertThat(broadcastAll(stub, CHANNEL, 0, 20)).containsOnly(Status.SUCCESS);
        // Nodes 0 and 1 send the frontend whole blocks (f+1 = 2); each restarts in turn.
        for (int id : List.of(0, 1)) {
            int port = servers[id].port();
            servers[id].close();
            nodes[id].close();
            start(id);
            serve(id, port);
            assertThat(broadcastAll(stub, CHANNEL, 20 + 20 * id, 40 + 20 * id)).containsOnly(Status.SUCCESS);
        }
        long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
        while (envelopes(delivered).size() < 60 && System.nanoTime() < deadline) {
            Thread.sleep(20);
        }
        assertThat(envelopes(delivered)).hasSize(60).doesNotHaveDuplicates();
        requests.onCompleted();
    }

    private static List<ByteString> envelopes(StreamCollector<org.hyperledger.fabric.protos.orderer.DeliverResponse> stream) {
        List<ByteString> envelopes = new ArrayList<>();
        stream.received().stream().filter(org.hyperledger.fabric.protos.orderer.DeliverResponse::hasBlock)
                .forEach(response -> envelopes.addAll(response.getBlock().getData().getDataList()));
        return envelopes;
    }

    @Test
    void anEnvelopeBroadcastThroughTwoFrontendsIsInExactlyOneBlock() throws Exception {
        var first = frontendOverFourNodes(null);
        View view = CoreSettings.view(ClusterConfigLoader.load(config));
        try (Frontend second = Frontend.start(Client.builder().config(config).id(1001).build(), view, deliverEndpoints,
                java.util.Set.of(CHANNEL), new java.net.InetSocketAddress("127.0.0.1", 0), tls(1001), false, Writers.ANYONE)) {
            io.grpc.ManagedChannel toSecond = fabricChannel(second, 1001);
            try {
                var secondStub = org.hyperledger.fabric.protos.orderer.AtomicBroadcastGrpc.newStub(toSecond);
                // Envelopes t0..t9 through the first frontend, t5..t14 through the second: 15 distinct.
                assertThat(broadcastAll(first, CHANNEL, 0, 10)).containsOnly(Status.SUCCESS);
                assertThat(broadcastAll(secondStub, CHANNEL, 5, 15)).containsOnly(Status.SUCCESS);
                List<Block> blocks = deliver(secondStub, CHANNEL, 0, 1); // a block of 10, then one cut by the timeout
                List<ByteString> ordered = new ArrayList<>();
                blocks.forEach(block -> ordered.addAll(block.getData().getDataList()));
                assertThat(ordered).hasSize(15).doesNotHaveDuplicates();
                // The other frontend delivers the same blocks (its copies may carry other nodes' signatures).
                assertThat(deliver(first, CHANNEL, 0, 1)).extracting(Block::getHeader)
                        .isEqualTo(blocks.stream().map(Block::getHeader).toList());
            } finally {
                toSecond.shutdownNow();
            }
        }
    }

    @Test
    @Timeout(120)
    void aFrontendStartedInTheFirstViewDeliversBlocksSignedUnderARotatedKeyWhileAnotherNodeIsDown() throws Exception {
        config = new Keygen(new SecureRandom()).generate(new Keygen.Options(4, 2, dir, Mode.BFT, null, "127.0.0.1",
                freeBasePort(), true), Instant.now()).clusterFile();
        var nextKey = new io.phalanx.runtime.keys.Certificates(new SecureRandom()).generate("replica-3-next", Instant.now());
        nextIdentities.put(3, nextKey);
        View first = CoreSettings.view(ClusterConfigLoader.load(config));
        for (int id = 0; id < 4; id++) {
            start(id);
            deliverEndpoints.put(id, new java.net.InetSocketAddress("127.0.0.1", serve(id, 0).port()));
        }
        frontend = Frontend.start(Client.builder().config(config).id(1000).build(), first, deliverEndpoints,
                java.util.Set.of(CHANNEL), new java.net.InetSocketAddress("127.0.0.1", 0), tls(1000), false, Writers.ANYONE);
        fabric = fabricChannel(frontend, 1000);
        var stub = org.hyperledger.fabric.protos.orderer.AtomicBroadcastGrpc.newStub(fabric);
        assertThat(broadcastAll(stub, CHANNEL, 0, 10)).containsOnly(Status.SUCCESS);
        assertThat(BlockSignatures.viewId(deliver(stub, CHANNEL, 0, 0).get(0))).isEqualTo(first.id());

        // The administrator rotates node 3's key; then node 0 stops, so that every quorum needs node 3.
        var change = new io.phalanx.core.view.ViewChange.Replace(3,
                io.phalanx.core.message.Bytes.copyOf(nextKey.publicKey().getEncoded()), first.addresses().get(3));
        try (Client admin = Client.builder().config(config).id(1002).build()) {
            var result = io.phalanx.core.codec.MessageCodec.decodeAdminResult(admin.invoke(
                    io.phalanx.core.message.Bytes.copyOf(io.phalanx.core.codec.MessageCodec.encodeViewChange(change)))
                    .toArray());
            assertThat(result.refusal()).isNull();
        }
        long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
        while (java.util.Arrays.stream(nodes).anyMatch(node -> node.replica().view().id() == first.id())
                && System.nanoTime() < deadline) {
            Thread.sleep(10);
        }
        View rotated = nodes[1].replica().view();
        assertThat(rotated.id()).isGreaterThan(first.id());
        servers[0].close();
        nodes[0].close();
        nodes[0] = null;

        assertThat(broadcastAll(stub, CHANNEL, 10, 20)).containsOnly(Status.SUCCESS);
        Block later = deliver(stub, CHANNEL, 1, 1).get(0);
        assertThat(BlockSignatures.viewId(later)).isEqualTo(rotated.id());
        assertThat(BlockSignatures.validSigners(later, rotated, verifier)).as("node 3 signs with its new key")
                .containsExactly(1, 2, 3);
        assertThat(BlockSignatures.validSigners(later, first, verifier)).as("under the first view's keys")
                .containsExactly(1, 2);
        assertThat(Blocks.chainProblem(nodes[1].block(CHANNEL, 0), later)).isNull();
    }

    @Test
    void aNodeThatSignsOtherBlocksIsOutvotedOnTwoChannels() throws Exception {
        // Node 3 orders correctly but hands frontends other blocks under the same numbers, signed with its key.
        var identity3 = new java.util.concurrent.atomic.AtomicReference<io.phalanx.core.crypto.Signer>();
        var stub = frontendOverFourNodes(node -> new Forger(node, identity3));
        identity3.set(io.phalanx.core.crypto.Ed25519.signer(io.phalanx.runtime.keys.Pem.readPrivateKey(
                dir.resolve("keys/replica-3.key"))));
        View view = CoreSettings.view(ClusterConfigLoader.load(config));

        assertThat(broadcastAll(stub, CHANNEL, 0, 20)).containsOnly(Status.SUCCESS);
        assertThat(broadcastAll(stub, OTHER_CHANNEL, 100, 120)).containsOnly(Status.SUCCESS);
        for (String channel : List.of(CHANNEL, OTHER_CHANNEL)) {
            List<Block> blocks = deliver(stub, channel, 0, 1);
            assertThat(blocks).hasSize(2);
            Block previous = null;
            for (Block block : blocks) {
                assertThat(BlockSignatures.validSigners(block, view, verifier)).as("channel %s", channel).containsExactly(0, 1, 2);
                assertThat(Blocks.chainProblem(previous, block)).isNull();
                assertThat(block.getData().getDataList()).noneMatch(data -> data.toStringUtf8().contains("forged"));
                previous = block;
            }
        }
    }

    @Test
    void aNodeWhoseDiskWasWipedGetsTheStateByStateTransferAndTheBlocksBeforeItFromItsPeers() throws Exception {
        config = new Keygen(new SecureRandom()).generate(new Keygen.Options(4, 1, dir, Mode.BFT, null, "127.0.0.1",
                freeBasePort()), Instant.now()).clusterFile();
        Map<Integer, java.net.InetSocketAddress> deliver = new java.util.TreeMap<>();
        for (int id = 0; id < 4; id++) {
            start(id);
            deliver.put(id, new java.net.InetSocketAddress("127.0.0.1", serve(id, 0).port()));
        }
        try (Client client = Client.builder().config(config).id(1000).build()) {
            for (int i = 0; i < 300; i++) { // past the first checkpoint (every 256 decisions)
                broadcast(client, TestEnvelopes.transaction(CHANNEL, "t" + i, 100, (byte) i));
            }
            awaitHeight(0, 30);
            servers[3].close();
            nodes[3].close();
            try (var files = java.nio.file.Files.walk(dir.resolve("data/replica-3"))) {
                for (Path file : files.sorted(java.util.Comparator.reverseOrder()).toList()) {
                    java.nio.file.Files.delete(file);
                }
            }
            start(3);
            Map<Integer, java.net.InetSocketAddress> others = new java.util.TreeMap<>(deliver);
            others.remove(3);
            // Node 0's endpoint, as node 3 reaches it, serves other blocks under the same numbers, signed with node 0's key.
            forger = tls(0).deliverServer(new java.net.InetSocketAddress("127.0.0.1", 0))
                    .addService(new Forger(nodes[0], new java.util.concurrent.atomic.AtomicReference<>(
                            io.phalanx.core.crypto.Ed25519.signer(io.phalanx.runtime.keys.Pem.readPrivateKey(
                                    dir.resolve("keys/replica-0.key")))), 0)).build().start();
            others.put(0, new java.net.InetSocketAddress("127.0.0.1", forger.getPort()));
            nodes[3].fetchMissingBlocksFrom(others, tls(3));
            serve(3, 0);
            for (int i = 300; i < 310; i++) {
                broadcast(client, TestEnvelopes.transaction(CHANNEL, "t" + i, 100, (byte) i));
            }
            awaitHeight(0, 31);
            awaitHeight(3, 31);
            assertThat(nodes[3].replica().status().counters().get(io.phalanx.core.replica.Counter.CHECKPOINT_INSTALLED))
                    .as("node 3 got the state by state transfer").isPositive();
            View view = CoreSettings.view(ClusterConfigLoader.load(config));
            Block previous = null;
            for (long number = 0; number < 31; number++) {
                Block mine = nodes[3].block(CHANNEL, number);
                assertThat(mine.getHeader()).isEqualTo(nodes[0].block(CHANNEL, number).getHeader());
                assertThat(Blocks.chainProblem(previous, mine)).isNull();
                assertThat(BlockSignatures.validSigners(mine, view, verifier)).contains(3);
                previous = mine;
            }
            assertThat(nodes[3].storeBehind()).isEmpty();
        }
    }

    /** A deliver endpoint as a Byzantine node serves it: a real node's block numbers with other envelopes. */
    private static final class Forger extends org.hyperledger.fabric.protos.orderer.AtomicBroadcastGrpc.AtomicBroadcastImplBase {
        private final OrderingNode node;
        private final java.util.concurrent.atomic.AtomicReference<io.phalanx.core.crypto.Signer> key;
        private final int signerId;

        Forger(OrderingNode node, java.util.concurrent.atomic.AtomicReference<io.phalanx.core.crypto.Signer> key) {
            this(node, key, 3);
        }

        /** Serves {@code node}'s block numbers with other envelopes, signed as {@code signerId} with {@code key}. */
        Forger(OrderingNode node, java.util.concurrent.atomic.AtomicReference<io.phalanx.core.crypto.Signer> key,
               int signerId) {
            this.node = node;
            this.key = key;
            this.signerId = signerId;
        }

        @Override
        public io.grpc.stub.StreamObserver<org.hyperledger.fabric.protos.common.Envelope> deliver(
                io.grpc.stub.StreamObserver<org.hyperledger.fabric.protos.orderer.DeliverResponse> responses) {
            return new io.grpc.stub.StreamObserver<>() {
                @Override
                public void onError(Throwable t) {
                }

                @Override
                public void onCompleted() {
                }

                @Override
                public void onNext(org.hyperledger.fabric.protos.common.Envelope request) {
                    Seek seek = Seek.parse(request, 0, -1);
                    new Thread(() -> {
                        try {
                            for (long number = seek.first(); number <= seek.last(); number++) {
                                if (!node.awaitBlock(seek.channelId(), number, 30_000)) {
                                    return;
                                }
                                Block real = node.block(seek.channelId(), number);
                                Block forged = BlockSignatures.sign(Blocks.build(number, real.getHeader().getPreviousHash(),
                                        List.of(TestEnvelopes.transaction(seek.channelId(), "forged-" + number, 10, (byte) 7))),
                                        signerId, key.get(), 0, 0, node.replica().view().id());
                                responses.onNext(org.hyperledger.fabric.protos.orderer.DeliverResponse.newBuilder()
                                        .setBlock(forged).build());
                            }
                        } catch (Exception | AssertionError e) {
                            // the frontend went away
                        }
                    }).start();
                }
            };
        }
    }

    /** Broadcasts envelopes {@code from} to {@code to - 1} on one stream; the statuses, in order. */
    private static List<Status> broadcastAll(org.hyperledger.fabric.protos.orderer.AtomicBroadcastGrpc.AtomicBroadcastStub stub,
                                             String channel, int from, int to) throws Exception {
        return broadcastAll(stub, channel, from, to, 100);
    }

    /** As above, each envelope with {@code dataBytes} bytes of data. */
    private static List<Status> broadcastAll(org.hyperledger.fabric.protos.orderer.AtomicBroadcastGrpc.AtomicBroadcastStub stub,
                                             String channel, int from, int to, int dataBytes) throws Exception {
        StreamCollector<org.hyperledger.fabric.protos.orderer.BroadcastResponse> answers = new StreamCollector<>();
        var requests = stub.broadcast(answers);
        for (int i = from; i < to; i++) {
            requests.onNext(org.hyperledger.fabric.protos.common.Envelope.parseFrom(
                    TestEnvelopes.transaction(channel, "t" + i, dataBytes, (byte) i)));
        }
        requests.onCompleted();
        assertThat(answers.awaitEnd(30_000)).as("broadcast answered").isTrue();
        return answers.received().stream().map(org.hyperledger.fabric.protos.orderer.BroadcastResponse::getStatus).toList();
    }

    /** Delivers blocks {@code first} to {@code last} through the frontend; fails unless the stream ends with SUCCESS. */
    private static List<Block> deliver(org.hyperledger.fabric.protos.orderer.AtomicBroadcastGrpc.AtomicBroadcastStub stub,
                                       String channel, long first, long last) throws Exception {
        StreamCollector<org.hyperledger.fabric.protos.orderer.DeliverResponse> answers = new StreamCollector<>();
        var requests = stub.deliver(answers);
        requests.onNext(Seek.request(channel, first, last));
        assertThat(answers.awaitEnd(30_000)).as("deliver of blocks %d..%d ended", first, last).isTrue();
        requests.onCompleted();
        List<org.hyperledger.fabric.protos.orderer.DeliverResponse> responses = answers.received();
        assertThat(responses).last().satisfies(r -> assertThat(r.getStatus()).isEqualTo(Status.SUCCESS));
        return responses.stream().filter(org.hyperledger.fabric.protos.orderer.DeliverResponse::hasBlock)
                .map(org.hyperledger.fabric.protos.orderer.DeliverResponse::getBlock).toList();
    }

    /** A base port with the mesh, client and admin ports of four replicas free now, below the ephemeral range. */
    private static int freeBasePort() {
        for (int attempt = 0; attempt < 100; attempt++) {
            int base = ThreadLocalRandom.current().nextInt(20_000, 32_000);
            List<Integer> ports = new ArrayList<>();
            for (int i = 0; i < 4; i++) {
                ports.addAll(List.of(base + i, base + Keygen.CLIENT_PORT_OFFSET + i, base + Keygen.ADMIN_PORT_OFFSET + i));
            }
            if (ports.stream().allMatch(OrderingNodeTest::bindable)) {
                return base;
            }
        }
        throw new IllegalStateException("no free port range");
    }

    private static boolean bindable(int port) {
        try (ServerSocket socket = new ServerSocket(port, 1, java.net.InetAddress.getLoopbackAddress())) {
            return true;
        } catch (java.io.IOException e) {
            return false;
        }
    }
}
