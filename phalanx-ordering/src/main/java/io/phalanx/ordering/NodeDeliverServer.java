package io.phalanx.ordering;

import io.grpc.Server;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;

/**
 * The gRPC endpoint where frontends (and peers fetching what they lack) read a node's blocks
 * ({@link NodeDeliverService}), over mutually authenticated TLS: it presents the node's
 * certificate and admits only the cluster's replicas and clients ({@link OrderingTls}).
 */
public final class NodeDeliverServer implements AutoCloseable {
    private final Server server;
    private final ExecutorService streams;

    private NodeDeliverServer(Server server, ExecutorService streams) {
        this.server = server;
        this.streams = streams;
    }

    /**
     * Starts serving {@code node}'s blocks at {@code address}.
     *
     * @param node    the ordering node
     * @param address where to listen; port 0 picks a free one
     * @param tls     the node's key and who may read
     * @return the running server
     * @throws IOException if the address cannot be bound
     */
    public static NodeDeliverServer start(OrderingNode node, InetSocketAddress address, OrderingTls tls) throws IOException {
        ExecutorService streams = Executors.newCachedThreadPool(runnable -> {
            Thread thread = new Thread(runnable, "phalanx-" + node + "-deliver");
            thread.setDaemon(true);
            return thread;
        });
        try {
            Server server = tls.deliverServer(address).addService(new NodeDeliverService(node, streams))
                    .build().start();
            return new NodeDeliverServer(server, streams);
        } catch (IOException e) {
            streams.shutdownNow();
            throw new IOException("cannot serve deliver at " + address + ": " + e.getMessage(), e);
        }
    }

    /**
     * The port it listens on.
     *
     * @return the bound port
     */
    public int port() {
        return server.getPort();
    }

    @Override
    public void close() {
        server.shutdownNow();
        streams.shutdownNow();
        try {
            server.awaitTermination(5, TimeUnit.SECONDS);
            streams.awaitTermination(5, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
