package io.phalanx.cli;

import com.google.protobuf.ByteString;
import com.google.protobuf.InvalidProtocolBufferException;
import io.grpc.ManagedChannel;
import io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder;
import io.grpc.stub.StreamObserver;
import io.phalanx.core.view.View;
import io.phalanx.ordering.BlockSignatures;
import io.phalanx.ordering.Blocks;
import io.phalanx.ordering.ChannelLimits;
import io.phalanx.ordering.Frontend;
import io.phalanx.ordering.NodeDeliverServer;
import io.phalanx.ordering.OrderingNode;
import io.phalanx.ordering.OrderingService;
import io.phalanx.ordering.Seek;
import io.phalanx.runtime.CoreSettings;
import io.phalanx.runtime.Replica;
import io.phalanx.runtime.config.Mode;
import io.phalanx.runtime.keys.KeyFiles;
import io.phalanx.runtime.keys.NodeIdentity;
import org.hyperledger.fabric.protos.common.Block;
import org.hyperledger.fabric.protos.common.ChannelHeader;
import org.hyperledger.fabric.protos.common.Envelope;
import org.hyperledger.fabric.protos.common.Header;
import org.hyperledger.fabric.protos.common.HeaderType;
import org.hyperledger.fabric.protos.common.Payload;
import org.hyperledger.fabric.protos.common.Status;
import org.hyperledger.fabric.protos.orderer.AtomicBroadcastGrpc;
import org.hyperledger.fabric.protos.orderer.BroadcastResponse;
import org.hyperledger.fabric.protos.orderer.DeliverResponse;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

import java.io.PrintWriter;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.Callable;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;

/**
 * {@code phalanx ordering-demo}: a Fabric ordering service in one JVM — four ordering nodes on
 * Phalanx replicas over TLS, a frontend speaking Fabric's {@code AtomicBroadcast}, and a Fabric
 * client that broadcasts envelopes and reads the blocks back, with the leader crashed halfway.
 * Exits non-zero unless every envelope was acknowledged, delivered in exactly one block, and
 * every block was hash-chained and signed by a quorum of nodes.
 */
@Command(name = "ordering-demo", mixinStandardHelpOptions = true,
        description = {"Run a Fabric ordering service locally, crash its leader midway, and check the blocks.",
                "",
                "Starts four ordering nodes (Phalanx replicas over TLS on 127.0.0.1, with throwaway",
                "keys) and a frontend serving Fabric's AtomicBroadcast over gRPC. A Fabric client",
                "broadcasts envelopes at a steady rate and reads the blocks back from block 0;",
                "halfway through the leader's node is closed. At the end every acknowledged",
                "envelope must be in exactly one delivered block, and every block must follow the",
                "one before (hash chain, data hash) and carry a quorum of valid node signatures."})
public final class OrderingDemoCommand implements Callable<Integer> {
    private static final String CHANNEL = "demo";
    private static final int NODES = 4;

    @Option(names = "--duration", defaultValue = "20", description = "Seconds of broadcasting (default: ${DEFAULT-VALUE}).")
    int durationSeconds;

    @Option(names = "--rate", defaultValue = "200", description = "Envelopes per second (default: ${DEFAULT-VALUE}).")
    int rate;

    @Option(names = "--envelope-bytes", defaultValue = "200", description = "Payload bytes per envelope (default: ${DEFAULT-VALUE}).")
    int envelopeBytes;

    @picocli.CommandLine.Spec
    picocli.CommandLine.Model.CommandSpec spec;

    /** What the client saw. */
    private final AtomicLong acknowledged = new AtomicLong();
    private final AtomicLong refused = new AtomicLong();
    private final Map<String, Integer> deliveredTimes = new ConcurrentHashMap<>();
    private final AtomicLong blocks = new AtomicLong();
    private final AtomicLong badBlocks = new AtomicLong();

    @Override
    public Integer call() throws Exception {
        if (durationSeconds < 2 || rate < 1 || envelopeBytes < 0) {
            throw new picocli.CommandLine.ParameterException(spec.commandLine(),
                    "--duration must be >= 2, --rate >= 1 and --envelope-bytes >= 0");
        }
        PrintWriter out = spec.commandLine().getOut();
        ch.qos.logback.classic.Level previous = Logs.quiet();
        OrderingNode[] nodes = new OrderingNode[NODES];
        NodeDeliverServer[] servers = new NodeDeliverServer[NODES];
        Frontend frontend = null;
        ManagedChannel fabric = null;
        try (DemoCluster cluster = DemoCluster.create(NODES, null, Mode.BFT, 1, 1000, false)) {
            View view = CoreSettings.view(cluster.config());
            Map<String, OrderingService.Channel> channels =
                    Map.of(CHANNEL, new OrderingService.Channel(new ChannelLimits(50, 1 << 20, 1 << 19, 500), null));
            Map<Integer, InetSocketAddress> deliver = new TreeMap<>();
            for (int id = 0; id < NODES; id++) {
                NodeIdentity identity = KeyFiles.loadIdentity(cluster.key("replica-" + id),
                        cluster.config().replica(id).orElseThrow().certificate());
                nodes[id] = OrderingNode.start(Replica.builder().config(cluster.config()).id(id).identity(identity)
                        .dataDirectory(cluster.dataDirectory(id)), id, identity, cluster.dataDirectory(id), channels, 100_000);
                servers[id] = NodeDeliverServer.start(nodes[id], new InetSocketAddress("127.0.0.1", 0));
                deliver.put(id, new InetSocketAddress("127.0.0.1", servers[id].port()));
            }
            frontend = Frontend.start(cluster.client(1000, Duration.ofSeconds(30), 256), view, deliver, Set.of(CHANNEL),
                    new InetSocketAddress("127.0.0.1", 0));
            fabric = NettyChannelBuilder.forAddress("127.0.0.1", frontend.port()).usePlaintext().build();
            out.printf("4 ordering nodes (BFT, f=1) and a frontend on 127.0.0.1:%d; channel '%s', blocks of up to 50"
                    + " envelopes or 500 ms%n", frontend.port(), CHANNEL);
            out.flush();
            return run(out, nodes, servers, view, fabric);
        } finally {
            if (fabric != null) {
                fabric.shutdownNow();
            }
            if (frontend != null) {
                frontend.close();
            }
            for (int id = 0; id < NODES; id++) {
                if (servers[id] != null) {
                    servers[id].close();
                }
                if (nodes[id] != null) {
                    nodes[id].close();
                }
            }
            Logs.restore(previous);
        }
    }

    private int run(PrintWriter out, OrderingNode[] nodes, NodeDeliverServer[] servers, View view, ManagedChannel fabric)
            throws InterruptedException {
        AtomicBroadcastGrpc.AtomicBroadcastStub stub = AtomicBroadcastGrpc.newStub(fabric);
        StreamObserver<Envelope> deliverRequests = stub.deliver(new BlockReader(view));
        deliverRequests.onNext(Seek.request(CHANNEL, 0, Long.MAX_VALUE));
        StreamObserver<Envelope> broadcast = stub.broadcast(new StreamObserver<>() {
            @Override
            public void onNext(BroadcastResponse response) {
                (response.getStatus() == Status.SUCCESS ? acknowledged : refused).incrementAndGet();
            }

            @Override
            public void onError(Throwable t) {
                out.println("broadcast stream failed: " + t.getMessage());
            }

            @Override
            public void onCompleted() {
            }
        });
        long sent = 0;
        long start = System.nanoTime();
        long end = start + Duration.ofSeconds(durationSeconds).toNanos();
        long nextReport = start + 1_000_000_000L;
        boolean crashed = false;
        while (System.nanoTime() < end) {
            long due = (System.nanoTime() - start) * rate / 1_000_000_000L;
            for (; sent < due; sent++) {
                broadcast.onNext(envelope("tx-" + sent));
            }
            if (!crashed && System.nanoTime() - start >= (end - start) / 2) {
                int leader = nodes[0].replica().leader();
                out.printf("%5.1f s  crashing node %d, the leader%n", seconds(start), leader);
                servers[leader].close();
                nodes[leader].close();
                servers[leader] = null;
                nodes[leader] = null;
                crashed = true;
            }
            if (System.nanoTime() >= nextReport) {
                out.printf("%5.1f s  sent %d, acknowledged %d, delivered %d envelopes in %d blocks%n", seconds(start), sent,
                        acknowledged.get(), deliveredTimes.size(), blocks.get());
                out.flush();
                nextReport += 1_000_000_000L;
            }
            Thread.sleep(5);
        }
        broadcast.onCompleted();
        long settle = System.nanoTime() + Duration.ofSeconds(20).toNanos();
        while ((acknowledged.get() + refused.get() < sent || deliveredTimes.size() < acknowledged.get())
                && System.nanoTime() < settle) {
            Thread.sleep(20);
        }
        deliverRequests.onCompleted();
        return summary(out, sent);
    }

    private int summary(PrintWriter out, long sent) {
        long twice = deliveredTimes.values().stream().filter(times -> times > 1).count();
        boolean ok = acknowledged.get() == sent && refused.get() == 0 && deliveredTimes.size() == sent && twice == 0
                && badBlocks.get() == 0;
        out.printf("%nsent %d envelopes: %d acknowledged, %d refused; %d delivered in %d blocks, %d more than once;"
                + " %d blocks failed the chain or signature check%n", sent, acknowledged.get(), refused.get(),
                deliveredTimes.size(), blocks.get(), twice, badBlocks.get());
        out.println(ok ? "OK: every envelope acknowledged and delivered in exactly one hash-chained, quorum-signed block"
                : "FAILED");
        out.flush();
        return ok ? 0 : 1;
    }

    private static double seconds(long start) {
        return (System.nanoTime() - start) / 1e9;
    }

    private Envelope envelope(String txId) {
        ChannelHeader header = ChannelHeader.newBuilder().setType(HeaderType.ENDORSER_TRANSACTION_VALUE)
                .setChannelId(CHANNEL).setTxId(txId).build();
        Payload payload = Payload.newBuilder().setHeader(Header.newBuilder().setChannelHeader(header.toByteString()))
                .setData(ByteString.copyFrom(new byte[envelopeBytes])).build();
        return Envelope.newBuilder().setPayload(payload.toByteString()).build();
    }

    /** Checks each delivered block against the one before and the view, and counts its envelopes. */
    private final class BlockReader implements StreamObserver<DeliverResponse> {
        private final View view;
        private Block previous;

        BlockReader(View view) {
            this.view = view;
        }

        @Override
        public synchronized void onNext(DeliverResponse response) {
            if (!response.hasBlock()) {
                return;
            }
            Block block = response.getBlock();
            if (Blocks.chainProblem(previous, block) != null || !BlockSignatures.signedByQuorum(block, view)) {
                badBlocks.incrementAndGet();
            }
            previous = block;
            blocks.incrementAndGet();
            for (ByteString data : block.getData().getDataList()) {
                try {
                    Payload payload = Payload.parseFrom(Envelope.parseFrom(data).getPayload());
                    String txId = ChannelHeader.parseFrom(payload.getHeader().getChannelHeader()).getTxId();
                    deliveredTimes.merge(txId, 1, Integer::sum);
                } catch (InvalidProtocolBufferException e) {
                    badBlocks.incrementAndGet();
                }
            }
        }

        @Override
        public void onError(Throwable t) {
        }

        @Override
        public void onCompleted() {
        }
    }
}
