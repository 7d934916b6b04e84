package io.phalanx.bench.process;

import io.phalanx.core.view.View;
import io.phalanx.runtime.CoreSettings;
import io.phalanx.runtime.config.ClusterConfigLoader;
import io.phalanx.runtime.config.Mode;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * A Fabric ordering service as processes on 127.0.0.1, as operators run it: n
 * {@code phalanx orderer} processes (BFT replicas of a generated cluster file, TLS between
 * them and to their clients, each with its data directory and a plaintext gRPC deliver
 * endpoint) and {@code phalanx frontend} processes, each a client of the file serving Fabric's
 * {@code AtomicBroadcast} over all the nodes. Closing it stops every process (as
 * {@link ProcessCluster#close} does) and deletes the data directories, which hold every block;
 * the processes' logs stay in the run's directory.
 */
public final class OrderingCluster implements AutoCloseable {
    /**
     * What to run.
     *
     * @param nodes          ordering nodes, BFT with the most f they allow
     * @param frontends      frontends, each a client of the file
     * @param blockSize      envelopes per block at most ({@code --batch-size})
     * @param blockBytes     preferred bytes per block ({@code --batch-bytes})
     * @param batchTimeoutMs how long a block's first envelope waits for more
     * @param heap           each process's heap, e.g. {@code 512m}
     */
    public record Settings(int nodes, int frontends, int blockSize, int blockBytes, long batchTimeoutMs, String heap) {
        /**
         * Checks the bounds.
         *
         * @param nodes          at least 4
         * @param frontends      1 to the clients of a generated file
         * @param blockSize      at least 1
         * @param blockBytes     at least 1
         * @param batchTimeoutMs at least 1
         * @param heap           a JVM heap size
         */
        public Settings {
            if (nodes < 4 || frontends < 1 || frontends > ProcessCluster.clientIds().size() || blockSize < 1
                    || blockBytes < 1 || batchTimeoutMs < 1) {
                throw new IllegalArgumentException("an ordering cluster needs nodes >= 4, frontends 1.."
                        + ProcessCluster.clientIds().size() + ", blockSize, blockBytes and batchTimeoutMs >= 1");
            }
        }
    }

    private final ProcessCluster cluster;
    private final View view;
    private final List<InetSocketAddress> frontends;
    private final List<java.security.PublicKey> frontendKeys;

    private OrderingCluster(ProcessCluster cluster, View view, List<InetSocketAddress> frontends,
                            List<java.security.PublicKey> frontendKeys) {
        this.cluster = cluster;
        this.view = view;
        this.frontends = List.copyOf(frontends);
        this.frontendKeys = List.copyOf(frontendKeys);
    }

    /**
     * Generates keys and a cluster file into {@code directory}, starts the nodes, waits until
     * their client and deliver ports listen, then starts the frontends and waits for theirs.
     *
     * @param phalanxMainClass the {@code phalanx} command's main class
     * @param directory        the run's directory: keys, cluster file, data, logs
     * @param channel          the one channel ordered
     * @param settings         what to run
     * @return the running service
     * @throws Exception if keys cannot be written, or a process does not start or listen within 30 s
     *                   (whatever started is stopped again)
     */
    public static OrderingCluster start(String phalanxMainClass, Path directory, String channel, Settings settings)
            throws Exception {
        ProcessCluster cluster = ProcessCluster.create(phalanxMainClass, directory, settings.nodes(), null, Mode.BFT,
                settings.heap(), List.of("--channel", channel, "--batch-size", Integer.toString(settings.blockSize()),
                        "--batch-bytes", Integer.toString(settings.blockBytes()),
                        "--batch-timeout-ms", Long.toString(settings.batchTimeoutMs())), null);
        try {
            cluster.replicaCommand("orderer");
            int[] deliverPorts = freePorts(settings.nodes());
            cluster.startAll(id -> List.of("--deliver-port", Integer.toString(deliverPorts[id])));
            for (int id = 0; id < settings.nodes(); id++) {
                ProcessCluster.awaitListening(deliverPorts[id], "node " + id + "'s deliver endpoint");
            }
            int[] frontendPorts = freePorts(settings.frontends());
            for (int i = 0; i < settings.frontends(); i++) {
                List<String> args = new ArrayList<>(List.of("frontend", "--config", cluster.clusterFile().toString(),
                        "--id", Long.toString(ProcessCluster.clientIds().get(i)), "--port", Integer.toString(frontendPorts[i]),
                        "--channel", channel));
                for (int id = 0; id < settings.nodes(); id++) {
                    args.addAll(List.of("--node", id + "=127.0.0.1:" + deliverPorts[id]));
                }
                cluster.startHelper("frontend-" + i, args);
            }
            List<InetSocketAddress> frontends = new ArrayList<>();
            for (int i = 0; i < settings.frontends(); i++) {
                ProcessCluster.awaitListening(frontendPorts[i], "frontend " + i);
                frontends.add(new InetSocketAddress("127.0.0.1", frontendPorts[i]));
            }
            var config = ClusterConfigLoader.load(cluster.clusterFile());
            List<java.security.PublicKey> frontendKeys = new ArrayList<>();
            for (int i = 0; i < settings.frontends(); i++) {
                frontendKeys.add(config.client(ProcessCluster.clientIds().get(i)).orElseThrow().certificate().getPublicKey());
            }
            return new OrderingCluster(cluster, CoreSettings.view(config), frontends, frontendKeys);
        } catch (Exception e) {
            cluster.close();
            ProcessCluster.deleteQuietly(directory.resolve("data"));
            throw e;
        }
    }

    /**
     * The view whose members sign the blocks.
     *
     * @return the cluster file's view
     */
    public View view() {
        return view;
    }

    /**
     * The public keys of the certificates the frontends present to Fabric clients (TLS).
     *
     * @return one per frontend, frontend 0 first
     */
    public List<java.security.PublicKey> frontendKeys() {
        return frontendKeys;
    }

    /**
     * Where Fabric clients reach the frontends.
     *
     * @return their addresses, frontend 0 first
     */
    public List<InetSocketAddress> frontends() {
        return frontends;
    }

    /**
     * Stops every process and deletes the data directories.
     *
     * @throws InterruptedException if interrupted while waiting for the processes to end
     */
    @Override
    public void close() throws InterruptedException {
        cluster.close();
        ProcessCluster.deleteQuietly(cluster.clusterFile().toAbsolutePath().getParent().resolve("data"));
    }

    /** Ports free right now (the kernel's choice), for endpoints whose port is given on the command line. */
    private static int[] freePorts(int count) throws IOException {
        List<ServerSocket> sockets = new ArrayList<>();
        try {
            int[] ports = new int[count];
            for (int i = 0; i < count; i++) {
                ServerSocket socket = new ServerSocket(0);
                sockets.add(socket);
                ports[i] = socket.getLocalPort();
            }
            return ports;
        } finally {
            for (ServerSocket socket : sockets) {
                socket.close();
            }
        }
    }
}
