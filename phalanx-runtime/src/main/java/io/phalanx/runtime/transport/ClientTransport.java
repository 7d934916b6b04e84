package io.phalanx.runtime.transport;

import io.netty.resolver.DefaultAddressResolverGroup;
import io.phalanx.core.view.View;
import io.phalanx.runtime.CoreSettings;
import io.phalanx.runtime.config.ClientEntry;
import io.phalanx.runtime.config.ClusterConfig;
import io.phalanx.runtime.config.HostPort;
import io.phalanx.runtime.config.Timeouts;
import io.phalanx.runtime.keys.NodeIdentity;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Collectors;

/**
 * A client process's connections to every replica's client port. It presents the client's
 * own certificate (the replicas learn its id from it) and accepts a replica only if the
 * certificate presented is the one the config lists for the replica dialled. Each connection
 * is redialled with capped exponential backoff when lost; sends go through the transport's
 * {@link Outbox}, which may be made before it, and are bounded and drop when a replica is down
 * or slow — the client core retransmits.
 */
public final class ClientTransport implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(ClientTransport.class);

    private final String name;
    private final NettyNode node;
    private final Outbox outbox;
    private final KnownPeers replicas;
    private final Dialers dialers;

    private ClientTransport(String name, NettyNode node, Outbox outbox, KnownPeers replicas, Timeouts timeouts) {
        this.name = name;
        this.node = node;
        this.outbox = outbox;
        this.replicas = replicas;
        this.dialers = new Dialers(node, name, timeouts);
    }

    /**
     * Starts dialling every replica of the config as client {@code clientId}.
     *
     * @param config   the cluster: the replicas' addresses, limits and timeouts
     * @param clientId this client's id
     * @param identity the client's private key and certificate; must be the one the config
     *                 lists for {@code clientId}
     * @param handler  receives the replicas' frames and connection events
     * @return the transport, dialling in the background
     * @throws IOException if the TLS contexts cannot be built from {@code identity}
     * @throws IllegalArgumentException if {@code clientId} is not in the config or {@code identity} is not its
     */
    public static ClientTransport start(ClusterConfig config, long clientId, NodeIdentity identity, FrameHandler handler)
            throws IOException {
        return start(config, clientId, identity, handler, null);
    }

    /**
     * Like {@link #start(ClusterConfig, long, NodeIdentity, FrameHandler)} on shared I/O threads (null: its own).
     *
     * @param config   the cluster: the replicas' addresses, limits and timeouts
     * @param clientId this client's id
     * @param identity the client's private key and certificate, the config's for {@code clientId}
     * @param handler  receives the replicas' frames and connection events
     * @param threads  the I/O threads to share, or null for threads of its own
     * @return the transport, dialling in the background
     * @throws IOException if the TLS contexts cannot be built from {@code identity}
     * @throws IllegalArgumentException if {@code clientId} is not in the config or {@code identity} is not its
     */
    public static ClientTransport start(ClusterConfig config, long clientId, NodeIdentity identity, FrameHandler handler,
                                        NetworkThreads threads) throws IOException {
        return start(config, clientId, identity, new Outbox(config.limits()), handler, threads);
    }

    /**
     * Like {@link #start(ClusterConfig, long, NodeIdentity, FrameHandler, NetworkThreads)}, sending
     * through {@code outbox}, made beforehand: what sends requests (a client's loop) is built with
     * the outbox before the transport, and the transport is built with it behind its handler.
     *
     * @param config   the cluster: the replicas' addresses, limits and timeouts
     * @param clientId this client's id
     * @param identity the client's private key and certificate, the config's for {@code clientId}
     * @param outbox   where frames for the replicas are queued; used by no other transport
     * @param handler  receives the replicas' frames and connection events
     * @param threads  the I/O threads to share, or null for threads of its own
     * @return the transport, dialling in the background
     * @throws IOException if the TLS contexts cannot be built from {@code identity}
     * @throws IllegalArgumentException if {@code clientId} is not in the config or {@code identity} is not its
     * @throws IllegalStateException if {@code outbox} already serves another transport
     */
    public static ClientTransport start(ClusterConfig config, long clientId, NodeIdentity identity, Outbox outbox,
                                        FrameHandler handler, NetworkThreads threads) throws IOException {
        ClientEntry self = config.client(clientId)
                .orElseThrow(() -> new IllegalArgumentException("client " + clientId + " is not in the cluster config"));
        if (!self.certificate().getPublicKey().equals(identity.publicKey())) {
            throw new IllegalArgumentException("identity does not match client " + clientId + "'s certificate in the config");
        }
        return startUnchecked(config, clientId, identity, outbox, handler, threads);
    }

    /** Like {@link #start} without checking the identity against the config (tests of refusal use it). */
    static ClientTransport startUnchecked(ClusterConfig config, long clientId, NodeIdentity identity, FrameHandler handler,
                                          NetworkThreads threads) throws IOException {
        return startUnchecked(config, clientId, identity, new Outbox(config.limits()), handler, threads);
    }

    private static ClientTransport startUnchecked(ClusterConfig config, long clientId, NodeIdentity identity,
                                                  Outbox outbox, FrameHandler handler, NetworkThreads threads)
            throws IOException {
        String name = "client " + clientId;
        View view = CoreSettings.view(config);
        KnownPeers replicas = KnownPeers.membersOf(List.of(view));
        Connections connections = new Connections(name, "replica", replicas,
                peer -> "replicas do not dial clients", outbox, PeerEvents.of(handler));
        NettyNode node = new NettyNode(name, identity, connections, config.limits(), config.timeouts(), threads,
                DefaultAddressResolverGroup.INSTANCE);
        ClientTransport transport = new ClientTransport(name, node, outbox, replicas, config.timeouts());
        transport.follow(view);
        log.info("{}: dialling {} replicas", name, transport.dialers.size());
        return transport;
    }

    /** The view followed last, guarded by this. */
    private View followed;

    /**
     * Makes the members of {@code view} the replicas this client talks to: it dials the client
     * address the view gives each, accepts each by the key the view names, and closes the
     * connections of replicas that are no members (a client follows the newest view a vouched
     * refusal taught it). The keys of the view followed before stay accepted too: a replica
     * whose key the new view replaced presents its old one until the new view is in force there.
     *
     * @param view the view to follow; it must carry its members' keys and addresses
     * @throws IllegalArgumentException if a member has no key or no address in it
     */
    public synchronized void follow(View view) {
        Map<Long, HostPort> targets = new HashMap<>();
        for (int member : view.members()) {
            if (!view.publicKeys().containsKey(member) || !view.addresses().containsKey(member)) {
                throw new IllegalArgumentException("view " + view.id() + " has no key or no address for replica " + member);
            }
            targets.put((long) member, HostPort.parse(view.addresses().get(member).client()));
        }
        replicas.replace(followed == null ? List.of(view) : List.of(followed, view));
        followed = view;
        dialers.dial(targets);
        for (long connected : outbox.connected()) {
            if (!targets.containsKey(connected)) {
                io.netty.channel.Channel channel = outbox.channel(connected);
                if (channel != null) {
                    channel.close();
                }
            }
        }
    }


    /**
     * Queues {@code frame} for replica {@code replicaId} (as {@link Outbox#send}). The array must
     * not be modified afterwards.
     *
     * @param replicaId the replica to send to
     * @param frame     the frame's payload, at most {@code frameBytesMax} bytes
     * @return false (counted as dropped) if the replica is not connected or its queue is full
     * @throws IllegalArgumentException if the frame is longer than {@code frameBytesMax}
     */
    public boolean send(int replicaId, byte[] frame) {
        return outbox.send(replicaId, frame);
    }

    /** The connection to {@code replicaId}, or null; for tests that need to misbehave on the wire. */
    io.netty.channel.Channel channelTo(int replicaId) {
        return outbox.channel(replicaId);
    }

    /**
     * The replicas connected now.
     *
     * @return their ids
     */
    public Set<Integer> connectedReplicas() {
        return outbox.connected().stream().map(Long::intValue).collect(Collectors.toUnmodifiableSet());
    }

    /**
     * The connector's counters.
     *
     * @return its live counters: connections made and lost, frames in, out and dropped, connections refused
     */
    public TransportMetrics metrics() {
        return outbox.metrics();
    }

    @Override
    public void close() {
        dialers.stop();
        node.close();
        log.info("{}: stopped", name);
    }
}
