package io.phalanx.cli;

import com.google.protobuf.ByteString;
import com.google.protobuf.InvalidProtocolBufferException;
import io.grpc.ManagedChannel;
import io.grpc.stub.StreamObserver;
import io.phalanx.core.view.View;
import io.phalanx.ordering.BlockSignatures;
import io.phalanx.ordering.Blocks;
import io.phalanx.ordering.ChannelLimits;
import io.phalanx.ordering.Frontend;
import io.phalanx.ordering.NodeDeliverServer;
import io.phalanx.ordering.OrderingNode;
import io.phalanx.ordering.OrderingService;
import io.phalanx.ordering.OrderingTls;
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
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.Callable;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;

/**
 * {@code phalanx ordering-demo}: a Fabric ordering service in one JVM — ordering nodes (four by default) on
 * Phalanx replicas over TLS, a frontend speaking Fabric's {@code AtomicBroadcast}, and a Fabric
 * client that broadcasts envelopes and reads the blocks back, with the leader crashed halfway.
 * Exits non-zero unless every envelope was acknowledged, delivered in exactly one block, and
 * every block was hash-chained and signed by a quorum of nodes.
 */
@Command(name = "ordering-demo", mixinStandardHelpOptions = true,
        description = {"Run a Fabric ordering service locally, crash its leader midway, and check the blocks.",
                "",
                "Starts --nodes ordering nodes (Phalanx replicas over TLS on 127.0.0.1, with throwaway",
                "keys) and a frontend serving Fabric's AtomicBroadcast over gRPC. A Fabric client",
                "broadcasts envelopes at a steady rate and reads the blocks back from block 0;",
                "halfway through the leader's node is closed (not with --no-crash). At the end every acknowledged",
                "envelope must be in exactly one delivered block, and every block must follow the",
                "one before (hash chain, data hash) and carry a quorum of valid node signatures.",
                "It prints the envelopes delivered per second and the latency from broadcast to",
                "delivery (p50, p99)."})
public final class OrderingDemoCommand implements Callable<Integer> {
    private static final String CHANNEL = "demo";

    @Option(names = "--duration", defaultValue = "20", description = "Seconds of broadcasting (default: ${DEFAULT-VALUE}).")
    int durationSeconds;

    @Option(names = "--rate", defaultValue = "200", description = "Envelopes per second (default: ${DEFAULT-VALUE}).")
    int rate;

    @Option(names = "--envelope-bytes", defaultValue = "200", description = "Payload bytes per envelope (default: ${DEFAULT-VALUE}).")
    int envelopeBytes;

    @Option(names = "--nodes", defaultValue = "4", description = "Ordering nodes, BFT with the most f they allow (default: ${DEFAULT-VALUE}).")
    int nodeCount;

    @Option(names = "--block-size", defaultValue = "50", description = "Envelopes per block at most (default: ${DEFAULT-VALUE}).")
    int blockSize;

    @Option(names = "--batch-timeout-ms", defaultValue = "500",
            description = "How long a block's first envelope waits for more (default: ${DEFAULT-VALUE}).")
    long batchTimeoutMs;

    @Option(names = "--no-crash", description = "Keep the leader running: a steady run, to measure throughput and latency.")
    boolean noCrash;

    @picocli.CommandLine.Spec
    picocli.CommandLine.Model.CommandSpec spec;

    /** What the client saw. */
    private final AtomicLong acknowledged = new AtomicLong();
    private final AtomicLong refused = new AtomicLong();
    private final Map<String, Integer> deliveredTimes = new ConcurrentHashMap<>();
    private final AtomicLong blocks = new AtomicLong();
    private final AtomicLong badBlocks = new AtomicLong();
    /** When each envelope was broadcast, by transaction id, until it is delivered. */
    private final Map<String, Long> sentAtNanos = new ConcurrentHashMap<>();
    /** Broadcast to delivery, in microseconds. */
    private final org.HdrHistogram.Histogram latencyMicros = new org.HdrHistogram.Histogram(3_600_000_000L, 3);

    @Override
    public Integer call() throws Exception {
        if (durationSeconds < 2 || rate < 1 || envelopeBytes < 0 || nodeCount < 4 || blockSize < 1 || batchTimeoutMs < 1) {
            throw new picocli.CommandLine.ParameterException(spec.commandLine(), "--duration must be >= 2, --rate >= 1,"
                    + " --envelope-bytes >= 0, --nodes >= 4, --block-size >= 1 and --batch-timeout-ms >= 1");
        }
        int nodesMax = nodeCount;
        PrintWriter out = spec.commandLine().getOut();
        ch.qos.logback.classic.Level previous = Logs.quiet();
        OrderingNode[] nodes = new OrderingNode[nodesMax];
        NodeDeliverServer[] servers = new NodeDeliverServer[nodesMax];
        Frontend frontend = null;
        ManagedChannel fabric = null;
        try (DemoCluster cluster = DemoCluster.create(nodesMax, null, Mode.BFT, 1, 1000, false)) {
            View view = CoreSettings.view(cluster.config());
            Map<String, OrderingService.Channel> channels =
                    Map.of(CHANNEL, new OrderingService.Channel(new ChannelLimits(blockSize, 1 << 24,
                            Math.max(1 << 19, blockSize * (envelopeBytes + 128)), batchTimeoutMs), null));
            Map<Integer, InetSocketAddress> deliver = new TreeMap<>();
            for (int id = 0; id < nodesMax; id++) {
                NodeIdentity identity = KeyFiles.loadIdentity(cluster.key("replica-" + id),
                        cluster.config().replica(id).orElseThrow().certificate());
                nodes[id] = OrderingNode.start(Replica.builder().config(cluster.config()).id(id).identity(identity)
                        .dataDirectory(cluster.dataDirectory(id)), id, identity, cluster.dataDirectory(id), channels, 100_000);
                servers[id] = NodeDeliverServer.start(nodes[id], new InetSocketAddress("127.0.0.1", 0),
                        OrderingTls.of(cluster.config(), identity));
                deliver.put(id, new InetSocketAddress("127.0.0.1", servers[id].port()));
            }
            NodeIdentity frontendIdentity = KeyFiles.loadIdentity(cluster.key("client-1000"),
                    cluster.config().client(1000).orElseThrow().certificate());
            frontend = Frontend.start(cluster.client(1000, Duration.ofSeconds(30), 256), view, deliver, Set.of(CHANNEL),
                    new InetSocketAddress("127.0.0.1", 0), OrderingTls.of(cluster.config(), frontendIdentity), false,
                    io.phalanx.ordering.Writers.ANYONE);
            fabric = OrderingTls.fabricChannel(new InetSocketAddress("127.0.0.1", frontend.port()),
                    List.of(frontendIdentity.publicKey()));
            out.printf("%d ordering nodes (BFT, f=%d) and a frontend on 127.0.0.1:%d; channel '%s', blocks of up to %d"
                    + " envelopes or %d ms; %d envelopes/s of %d bytes%n", nodesMax, view.f(), frontend.port(), CHANNEL,
                    blockSize, batchTimeoutMs, rate, envelopeBytes);
            out.flush();
            return run(out, nodes, servers, view, fabric);
        } finally {
            if (fabric != null) {
                fabric.shutdownNow();
            }
            if (frontend != null) {
                frontend.close();
            }
            for (int id = 0; id < nodesMax; id++) {
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
                String txId = "tx-" + sent;
                sentAtNanos.put(txId, System.nanoTime());
                broadcast.onNext(envelope(txId));
            }
            if (!noCrash && !crashed && System.nanoTime() - start >= (end - start) / 2) {
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
        return summary(out, sent, seconds(start));
    }

    private int summary(PrintWriter out, long sent, double elapsedSeconds) {
        long twice = deliveredTimes.values().stream().filter(times -> times > 1).count();
        boolean ok = acknowledged.get() == sent && refused.get() == 0 && deliveredTimes.size() == sent && twice == 0
                && badBlocks.get() == 0;
        out.printf("%nsent %d envelopes: %d acknowledged, %d refused; %d delivered in %d blocks, %d more than once;"
                + " %d blocks failed the chain or signature check%n", sent, acknowledged.get(), refused.get(),
                deliveredTimes.size(), blocks.get(), twice, badBlocks.get());
        synchronized (latencyMicros) {
            out.printf("delivered %.0f envelopes/s (%.1f blocks/s) over %.1f s; broadcast to delivery p50 %.1f ms, p99 %.1f ms,"
                    + " max %.1f ms%n", deliveredTimes.size() / elapsedSeconds, blocks.get() / elapsedSeconds, elapsedSeconds,
                    latencyMicros.getValueAtPercentile(50) / 1000.0, latencyMicros.getValueAtPercentile(99) / 1000.0,
                    latencyMicros.getMaxValue() / 1000.0);
        }
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
                if (response.getStatus() != Status.SUCCESS) {
                    spec.commandLine().getOut().println("deliver stream ended: " + response.getStatus());
                    badBlocks.incrementAndGet();
                }
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
                    Long sentAt = sentAtNanos.remove(txId);
                    if (sentAt != null) {
                        synchronized (latencyMicros) {
                            latencyMicros.recordValue(Math.max(0, (System.nanoTime() - sentAt) / 1_000));
                        }
                    }
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
