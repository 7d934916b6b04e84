package io.phalanx.cli;

import io.phalanx.ordering.Frontend;
import io.phalanx.ordering.OrderingTls;
import io.phalanx.ordering.Writers;
import io.phalanx.runtime.Client;
import io.phalanx.runtime.CoreSettings;
import io.phalanx.runtime.config.ClusterConfigLoader;
import io.phalanx.runtime.config.ConfigException;
import io.phalanx.runtime.config.HostPort;
import io.phalanx.runtime.keys.KeyFiles;
import io.phalanx.runtime.keys.NodeIdentity;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;

/**
 * {@code phalanx frontend}: Fabric's {@code AtomicBroadcast} for Fabric clients ({@link Frontend})
 * over the ordering nodes of the cluster file, until SIGTERM.
 */
@Command(name = "frontend", mixinStandardHelpOptions = true,
        description = {"Serve Fabric's AtomicBroadcast (Broadcast, Deliver) over running ordering nodes.",
                "",
                "Broadcast orders each envelope through a Phalanx client of the cluster file (--id: a",
                "client the file lists); Deliver reads every node's blocks at its deliver endpoint",
                "(--node ID=HOST:PORT, one per node) and hands a block on only once a quorum of the",
                "nodes signed it. Also sends each channel's time-to-cut when its batch timeout",
                "passed. gRPC over TLS on both sides: to the nodes with the client's key (nodes",
                "admit the cluster file's clients only), to Fabric clients with the client's",
                "certificate (the cluster file's certificate of --id), unless --plaintext."})
public final class FrontendCommand implements Callable<Integer> {
    @Option(names = "--config", required = true, description = "The cluster file.")
    Path config;

    @Option(names = "--id", required = true, description = "The client id it orders envelopes as.")
    long id;

    @Option(names = "--key", description = "The client's private key (default: keys/client-ID.key next to the cluster file).")
    Path key;

    @Option(names = "--host", defaultValue = "127.0.0.1", description = "Address Fabric clients connect to (default: ${DEFAULT-VALUE}).")
    String host;

    @Option(names = "--port", required = true, description = "Port Fabric clients connect to.")
    int port;

    @Option(names = "--node", required = true, description = "A node's deliver endpoint, ID=HOST:PORT; one per node.")
    Map<Integer, String> nodes;

    @Option(names = "--plaintext", description = "Serve Fabric clients without TLS (the links to the nodes keep theirs).")
    boolean plaintext;

    @Option(names = "--writers", description = {"An organisation that may write, MSPID=ROOTS.pem, as the nodes' --writers:",
            "an envelope they would refuse is answered FORBIDDEN at once. Default: no check here."})
    Map<String, Path> writers = Map.of();

    @Option(names = "--channel", required = true, split = ",", description = "The channels whose batch timeouts it watches.")
    List<String> channels;

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Override
    public Integer call() throws Exception {
        Map<Integer, InetSocketAddress> deliver = new TreeMap<>();
        for (Map.Entry<Integer, String> node : nodes.entrySet()) {
            try {
                HostPort address = HostPort.parse(node.getValue());
                deliver.put(node.getKey(), new InetSocketAddress(address.host(), address.port()));
            } catch (IllegalArgumentException e) {
                throw new CommandLine.ParameterException(spec.commandLine(), "--node " + node.getKey() + "="
                        + node.getValue() + ": " + e.getMessage());
            }
        }
        Writers channelWriters;
        try {
            channelWriters = Writers.load(writers);
        } catch (IOException e) {
            throw new CommandLine.ParameterException(spec.commandLine(), "--writers: " + e.getMessage());
        }
        Frontend frontend;
        try {
            var cluster = ClusterConfigLoader.load(config);
            var entry = cluster.client(id).orElseThrow(() -> new ConfigException("clients", "no client with id " + id
                    + " in the cluster config"));
            Path keyFile = key != null ? key : config.toAbsolutePath().getParent().resolve("keys").resolve("client-" + id + ".key");
            NodeIdentity identity = KeyFiles.loadIdentity(keyFile, entry.certificate());
            Client client = Client.builder().config(config).id(id).identity(identity).build();
            frontend = Frontend.start(client, CoreSettings.view(cluster), deliver, Set.copyOf(channels),
                    new InetSocketAddress(host, port), OrderingTls.of(cluster, identity), plaintext, channelWriters);
        } catch (ConfigException e) {
            throw new CommandLine.ParameterException(spec.commandLine(), e.getMessage());
        } catch (IOException e) {
            spec.commandLine().getErr().println("phalanx frontend: " + e.getMessage());
            return 1;
        }
        spec.commandLine().getOut().printf("frontend listening on %s:%d for channels %s (%s)%n", host, frontend.port(), channels,
                plaintext ? "plaintext" : "TLS with the certificate of client " + id);
        spec.commandLine().getOut().flush();
        CountDownLatch stopped = new CountDownLatch(1);
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            frontend.close();
            stopped.countDown();
        }, "phalanx-frontend-shutdown"));
        stopped.await();
        return 0;
    }
}
