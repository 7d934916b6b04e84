package io.phalanx.runtime.transport;

import io.netty.resolver.DefaultAddressResolverGroup;
import io.phalanx.runtime.config.ClusterConfig;
import io.phalanx.runtime.config.ReplicaEntry;
import io.phalanx.runtime.keys.NodeIdentity;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import javax.net.ssl.SSLException;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.security.cert.X509Certificate;
import java.util.HashMap;
import java.util.Map;
import java.util.Set;

/**
 * A replica's client port: a TLS 1.3 server that requires a client certificate and learns
 * the client id by matching that certificate against the config's client list. Unknown
 * certificates are refused in the handshake (WARN line, counter). One connection per client:
 * if a client connects again, the newer connection replaces the older.
 *
 * <p>Sends to clients are bounded like mesh sends ({@code outboundQueueFramesMax} frames and
 * {@code outboundQueueBytesMax} bytes per client): a client that stops reading loses frames,
 * it cannot grow the replica's memory. Replicas can push to a connected client at any time,
 * not only as replies.
 */
public final class ClientPortServer implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(ClientPortServer.class);

    private final String name;
    private final NettyNode node;
    private final Outbox outbox;

    private ClientPortServer(String name, NettyNode node, Outbox outbox) {
        this.name = name;
        this.node = node;
        this.outbox = outbox;
    }

    /**
     * Listens on replica {@code selfId}'s {@code host:clientPort} from the config, sending
     * through an outbox of its own.
     *
     * @param config   the cluster: the replica's address, the known clients, limits and timeouts
     * @param selfId   this replica's id
     * @param identity this replica's key and certificate, which must be the config's for {@code selfId}
     * @param handler  receives the clients' frames and connection events
     * @return the listening server
     * @throws IOException if the port cannot be bound
     * @throws IllegalArgumentException if {@code selfId} is not in the config or {@code identity} is not its
     */
    public static ClientPortServer start(ClusterConfig config, int selfId, NodeIdentity identity, ClientFrameHandler handler)
            throws IOException {
        return start(config, selfId, identity, handler, null);
    }

    /**
     * Like {@link #start(ClusterConfig, int, NodeIdentity, ClientFrameHandler)} on shared I/O threads (null: its own).
     *
     * @param config   the cluster: the replica's address, the known clients, limits and timeouts
     * @param selfId   this replica's id
     * @param identity this replica's key and certificate, which must be the config's for {@code selfId}
     * @param handler  receives the clients' frames and connection events
     * @param threads  the I/O threads to share, or null for threads of its own
     * @return the listening server
     * @throws IOException if the port cannot be bound
     * @throws IllegalArgumentException if {@code selfId} is not in the config or {@code identity} is not its
     */
    public static ClientPortServer start(ClusterConfig config, int selfId, NodeIdentity identity,
                                         ClientFrameHandler handler, NetworkThreads threads) throws IOException {
        return start(config, selfId, identity, new Outbox(config.limits()), handler, threads);
    }

    /**
     * Like {@link #start(ClusterConfig, int, NodeIdentity, ClientFrameHandler, NetworkThreads)},
     * sending through {@code outbox}, made beforehand: what sends replies (a replica's execution
     * loop) is built with the outbox before the server exists.
     *
     * @param config   the cluster: the replica's address, the known clients, limits and timeouts
     * @param selfId   this replica's id
     * @param identity this replica's key and certificate, which must be the config's for {@code selfId}
     * @param outbox   where frames for clients are queued; used by no other transport
     * @param handler  receives the clients' frames and connection events
     * @param threads  the I/O threads to share, or null for threads of its own
     * @return the listening server
     * @throws IOException if the port cannot be bound
     * @throws IllegalArgumentException if {@code selfId} is not in the config or {@code identity} is not its
     * @throws IllegalStateException if {@code outbox} already serves another transport
     */
    public static ClientPortServer start(ClusterConfig config, int selfId, NodeIdentity identity, Outbox outbox,
                                         ClientFrameHandler handler, NetworkThreads threads) throws IOException {
        ReplicaEntry self = config.replica(selfId)
                .orElseThrow(() -> new IllegalArgumentException("replica " + selfId + " is not in the cluster config"));
        if (!self.publicKey().equals(identity.publicKey())) {
            throw new IllegalArgumentException("identity does not match replica " + selfId + "'s certificate in the config");
        }
        Map<Long, X509Certificate> certificates = new HashMap<>();
        config.clients().forEach(c -> certificates.put(c.id(), c.certificate()));
        String name = "replica " + selfId + " client port";
        Connections connections = new Connections(name, "client", KnownPeers.of(certificates), client -> null, outbox,
                events(handler));
        NettyNode node = new NettyNode(name, identity, connections, config.limits(), config.timeouts(), threads,
                DefaultAddressResolverGroup.INSTANCE);
        try {
            node.bind(self.host(), self.clientPort());
        } catch (IOException e) {
            node.close();
            throw e;
        }
        log.info("{}: listening on {} for {} known clients", name, node.localAddress(), certificates.size());
        return new ClientPortServer(name, node, outbox);
    }

    private static PeerEvents events(ClientFrameHandler handler) {
        return new PeerEvents() {
            @Override
            public void onUp(long peerId) {
                handler.onClientUp(peerId);
            }

            @Override
            public void onDown(long peerId) {
                handler.onClientDown(peerId);
            }

            @Override
            public void onFrame(long peerId, byte[] frame) {
                handler.onFrame(peerId, frame);
            }
        };
    }

    /**
     * Queues {@code frame} for client {@code clientId} (as {@link Outbox#send}). The array must
     * not be modified afterwards.
     *
     * @param clientId the client to send to
     * @param frame    the frame's payload, at most {@code frameBytesMax} bytes
     * @return false (counted as dropped) if the client is not connected or its queue is full
     * @throws IllegalArgumentException if the frame is longer than {@code frameBytesMax}
     */
    public boolean sendToClient(long clientId, byte[] frame) {
        return outbox.send(clientId, frame);
    }

    /**
     * The clients connected now.
     *
     * @return their ids
     */
    public Set<Long> connectedClients() {
        return outbox.connected();
    }

    /**
     * The client port's counters.
     *
     * @return its live counters: connections made and lost, frames in, out and dropped, connections refused
     */
    public TransportMetrics metrics() {
        return outbox.metrics();
    }

    /**
     * Where the server listens (the port resolved if the config asked for 0).
     *
     * @return the bound address
     */
    public InetSocketAddress localAddress() {
        return node.localAddress();
    }

    /**
     * Presents {@code identity} to the clients that connect from now on (see {@link ReplicaMesh#present}).
     *
     * @param identity the key and certificate to present
     * @throws SSLException if no TLS context can be built with them
     */
    public void present(NodeIdentity identity) throws SSLException {
        node.present(identity);
    }

    @Override
    public void close() {
        node.close();
        log.info("{}: stopped", name);
    }
}
