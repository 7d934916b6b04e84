package io.phalanx.cli;

import io.phalanx.bench.fabric.FabricClient;
import io.phalanx.bench.fabric.Offer;
import io.phalanx.core.view.View;
import io.phalanx.ordering.ChannelLimits;
import io.phalanx.ordering.Frontend;
import io.phalanx.ordering.NodeDeliverServer;
import io.phalanx.ordering.OrderingNode;
import io.phalanx.ordering.OrderingService;
import io.phalanx.ordering.OrderingTls;
import io.phalanx.runtime.CoreSettings;
import io.phalanx.runtime.Replica;
import io.phalanx.runtime.config.Mode;
import io.phalanx.runtime.keys.KeyFiles;
import io.phalanx.runtime.keys.NodeIdentity;
import org.HdrHistogram.Histogram;
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
            out.printf("%d ordering nodes (BFT, f=%d) and a frontend on 127.0.0.1:%d; channel '%s', blocks of up to %d"
                    + " envelopes or %d ms; %d envelopes/s of %d bytes%n", nodesMax, view.f(), frontend.port(), CHANNEL,
                    blockSize, batchTimeoutMs, rate, envelopeBytes);
            out.flush();
            return run(out, nodes, servers, view, new InetSocketAddress("127.0.0.1", frontend.port()),
                    frontendIdentity.publicKey());
        } finally {
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

    private int run(PrintWriter out, OrderingNode[] nodes, NodeDeliverServer[] servers, View view,
                    InetSocketAddress frontend, java.security.PublicKey frontendKey) throws InterruptedException {
        try (FabricClient client = FabricClient.connect(CHANNEL, view, List.of(frontend), List.of(frontendKey))) {
            client.deliverFromStart();
            long start = System.nanoTime();
            Offer offer = client.offer(new Offer.Shape("tx-", envelopeBytes, rate, Offer.PACED_WINDOW, 1), start);
            long end = start + Duration.ofSeconds(durationSeconds).toNanos();
            long nextReport = start + 1_000_000_000L;
            boolean crashed = false;
            while (System.nanoTime() < end) {
                offer.sendDue(System.nanoTime());
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
                    out.printf("%5.1f s  sent %d, acknowledged %d, delivered %d envelopes in %d blocks%n", seconds(start),
                            offer.sent(), offer.acknowledged(), offer.delivered(), client.counts().blocks());
                    out.flush();
                    nextReport += 1_000_000_000L;
                }
                Thread.sleep(5);
            }
            offer.finish();
            offer.awaitSettled(Duration.ofSeconds(20));
            return summary(out, client, offer, seconds(start));
        }
    }

    private static int summary(PrintWriter out, FabricClient client, Offer offer, double elapsedSeconds) {
        long sent = offer.sent();
        FabricClient.Counts seen = client.counts();
        boolean ok = offer.acknowledged() == sent && offer.refused() == 0 && offer.delivered() == sent
                && seen.errors() == 0;
        out.printf("%nsent %d envelopes: %d acknowledged, %d refused; %d delivered in %d blocks, %d more than once;"
                + " %d blocks failed the chain or signature check%n", sent, offer.acknowledged(), offer.refused(),
                offer.delivered(), seen.blocks(), seen.deliveredTwice(), seen.badBlocks());
        Histogram latencyMicros = offer.latencyMicros();
        out.printf("delivered %.0f envelopes/s (%.1f blocks/s) over %.1f s; broadcast to delivery p50 %.1f ms, p99 %.1f ms,"
                + " max %.1f ms%n", offer.delivered() / elapsedSeconds, seen.blocks() / elapsedSeconds, elapsedSeconds,
                latencyMicros.getValueAtPercentile(50) / 1000.0, latencyMicros.getValueAtPercentile(99) / 1000.0,
                latencyMicros.getMaxValue() / 1000.0);
        if (!ok && client.firstProblem() != null) {
            out.println("first problem: " + client.firstProblem());
        }
        out.println(ok ? "OK: every envelope acknowledged and delivered in exactly one hash-chained, quorum-signed block"
                : "FAILED");
        out.flush();
        return ok ? 0 : 1;
    }

    private static double seconds(long start) {
        return (System.nanoTime() - start) / 1e9;
    }
}
