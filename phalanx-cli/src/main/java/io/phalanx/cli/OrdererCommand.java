package io.phalanx.cli;

import io.phalanx.ordering.ChannelLimits;
import io.phalanx.ordering.NodeDeliverServer;
import io.phalanx.ordering.OrderingNode;
import io.phalanx.ordering.OrderingService;
import io.phalanx.ordering.OrderingTls;
import io.phalanx.ordering.Writers;
import io.phalanx.runtime.Replica;
import io.phalanx.runtime.config.ClusterConfig;
import io.phalanx.runtime.config.ClusterConfigLoader;
import io.phalanx.runtime.config.ConfigException;
import io.phalanx.runtime.keys.KeyFiles;
import io.phalanx.runtime.keys.NodeIdentity;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.Callable;

/**
 * {@code phalanx orderer}: one ordering node of a Fabric ordering service ({@link OrderingNode}
 * on a Phalanx replica of the cluster file) with its deliver endpoint for frontends
 * ({@link NodeDeliverServer}), until SIGTERM.
 */
@Command(name = "orderer", mixinStandardHelpOptions = true,
        description = {"Run one ordering node of a Fabric ordering service.",
                "",
                "A Phalanx replica of the cluster file (as `phalanx replica`) running the ordering",
                "service: envelopes that frontends broadcast are cut into blocks per channel, each",
                "block signed with this node's key and stored under DATA/blocks/CHANNEL. Frontends",
                "(`phalanx frontend`) read its blocks at --deliver-port: gRPC over TLS with this",
                "node's certificate, open to the cluster file's replicas and clients only."})
public final class OrdererCommand implements Callable<Integer> {
    private static final org.slf4j.Logger log = org.slf4j.LoggerFactory.getLogger(OrdererCommand.class);

    @Option(names = "--id", required = true, description = "This node's replica id in the cluster file.")
    int id;

    @Option(names = "--config", required = true, description = "The cluster file (e.g. from `phalanx keygen`).")
    Path config;

    @Option(names = "--key", description = "Private key (default: keys/replica-ID.key next to the cluster file).")
    Path key;

    @Option(names = "--next-key", description = {"The next private key of a key rotation (phalanx view replace), its",
            "certificate beside it (.crt for .key); the node signs blocks with it from the view that names it on",
            "(default: replica-ID.next.key beside the private key)."})
    Path nextKey;

    @Option(names = "--data", description = "Data directory (default: data/replica-ID next to the cluster file).")
    Path data;

    @Option(names = "--channel", required = true, split = ",", description = "The channels it orders, e.g. mychannel,other.")
    List<String> channels;

    @Option(names = "--batch-size", defaultValue = "10", description = "Envelopes per block at most (default: ${DEFAULT-VALUE}).")
    int batchSize;

    @Option(names = "--batch-bytes", defaultValue = "524288", description = "Preferred bytes per block (default: ${DEFAULT-VALUE}).")
    int batchBytes;

    @Option(names = "--max-envelope-bytes", defaultValue = "103809024",
            description = "Largest envelope accepted (default: ${DEFAULT-VALUE}).")
    int maxEnvelopeBytes;

    @Option(names = "--batch-timeout-ms", defaultValue = "2000",
            description = "How long a block's first envelope waits for more (default: ${DEFAULT-VALUE}).")
    long batchTimeoutMs;

    @Option(names = "--writers", description = {"An organisation that may write to the channels, MSPID=ROOTS.pem (the",
            "MSP's root certificates); repeat for each. Envelopes must then be signed by a certificate",
            "of one of them (ECDSA, Fabric's creator signature). Default: anyone may write."})
    Map<String, Path> writers = Map.of();

    @Option(names = "--deliver-host", defaultValue = "127.0.0.1", description = "Address of the deliver endpoint (default: ${DEFAULT-VALUE}).")
    String deliverHost;

    @Option(names = "--deliver-port", required = true, description = "Port of the deliver endpoint frontends read blocks at.")
    int deliverPort;

    @Option(names = "--peer", description = {"Another node's deliver endpoint, ID=HOST:PORT (one per node): where this",
            "node fetches the blocks its store lacks after its state came by state transfer (a wiped disk)."})
    Map<Integer, String> peers = Map.of();

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Override
    public Integer call() throws Exception {
        ChannelLimits limits;
        try {
            limits = new ChannelLimits(batchSize, maxEnvelopeBytes, batchBytes, batchTimeoutMs);
        } catch (IllegalArgumentException e) {
            throw new CommandLine.ParameterException(spec.commandLine(), e.getMessage());
        }
        Writers channelWriters;
        try {
            channelWriters = Writers.load(writers);
        } catch (IOException e) {
            throw new CommandLine.ParameterException(spec.commandLine(), "--writers: " + e.getMessage());
        }
        Map<String, OrderingService.Channel> ordered = new TreeMap<>();
        channels.forEach(channel -> ordered.put(channel, new OrderingService.Channel(limits, null, channelWriters)));
        Path base = config.toAbsolutePath().getParent();
        Path dataDirectory = data != null ? data : base.resolve("data").resolve("replica-" + id);
        OrderingNode node;
        NodeDeliverServer server;
        OrderingTls tls;
        try {
            ClusterConfig cluster = ClusterConfigLoader.load(config);
            var entry = cluster.replica(id).orElseThrow(() -> new ConfigException("replicas", "no replica with id " + id
                    + " in the cluster config"));
            Path keyFile = key != null ? key : base.resolve("keys").resolve("replica-" + id + ".key");
            NodeIdentity identity = KeyFiles.loadIdentity(keyFile, entry.certificate());
            // The key file given too, so the builder looks for the next key beside it by default.
            Replica.Builder builder = Replica.builder().config(config).id(id).privateKey(keyFile).identity(identity)
                    .dataDirectory(dataDirectory);
            if (nextKey != null) {
                builder.nextKey(nextKey);
            }
            node = OrderingNode.start(builder, id, identity, dataDirectory, ordered, 100_000);
            tls = OrderingTls.of(cluster, identity);
        } catch (ConfigException e) {
            throw new CommandLine.ParameterException(spec.commandLine(), e.getMessage());
        } catch (IOException e) {
            spec.commandLine().getErr().println("phalanx orderer: " + e.getMessage());
            return 1;
        }
        try {
            server = NodeDeliverServer.start(node, new InetSocketAddress(deliverHost, deliverPort), tls);
        } catch (IOException e) {
            node.close();
            spec.commandLine().getErr().println("phalanx orderer: " + e.getMessage());
            return 1;
        }
        Map<Integer, InetSocketAddress> peerEndpoints = new TreeMap<>();
        for (Map.Entry<Integer, String> peer : peers.entrySet()) {
            try {
                io.phalanx.runtime.config.HostPort address = io.phalanx.runtime.config.HostPort.parse(peer.getValue());
                peerEndpoints.put(peer.getKey(), new InetSocketAddress(address.host(), address.port()));
            } catch (IllegalArgumentException e) {
                server.close();
                node.close();
                throw new CommandLine.ParameterException(spec.commandLine(), "--peer " + peer.getKey() + "="
                        + peer.getValue() + ": " + e.getMessage());
            }
        }
        node.fetchMissingBlocksFrom(peerEndpoints, tls);
        log.info("ordering node {}: channels {}, deliver endpoint {}:{}", id, ordered.keySet(), deliverHost, server.port());
        Thread hook = new Thread(() -> {
            server.close();
            node.close();
        }, "phalanx-orderer-" + id + "-shutdown");
        Runtime.getRuntime().addShutdownHook(hook);
        while (!node.replica().awaitClosed(Duration.ofSeconds(10))) {
            StringBuilder heights = new StringBuilder();
            ordered.keySet().forEach(channel -> heights.append(' ').append(channel).append('=').append(node.height(channel)));
            log.info("ordering node {}: blocks stored:{}", id, heights);
        }
        server.close();
        if (node.replica().failure().isPresent()) {
            spec.commandLine().getErr().println("phalanx orderer: stopped after a failure: " + node.replica().failure().get());
            return 1;
        }
        return 0;
    }
}
