package io.phalanx.runtime.transport;

import io.netty.resolver.AddressResolverGroup;
import io.netty.resolver.DefaultAddressResolverGroup;
import io.phalanx.core.view.View;
import io.phalanx.runtime.CoreSettings;
import io.phalanx.runtime.config.ClusterConfig;
import io.phalanx.runtime.config.HostPort;
import io.phalanx.runtime.config.ReplicaEntry;
import io.phalanx.runtime.config.Timeouts;
import io.phalanx.runtime.keys.NodeIdentity;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import javax.net.ssl.SSLException;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.SocketAddress;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.stream.Collectors;

/**
 * One replica's connections to every other replica of the view: one mutually authenticated
 * TLS 1.3 connection per pair, carrying opaque length-prefixed frames.
 *
 * <p>Who dials whom: the replica with the lower id dials the higher one and keeps redialling
 * with capped exponential backoff; the higher one only accepts. So each pair has exactly one
 * connection and no tie-break is needed. An accepted connection whose certificate belongs to
 * a replica with an id not below ours is refused, as is any certificate not in the config.
 *
 * <p>Identity is the certificate's public key, matched against the cluster file; nothing the
 * peer sends can change who it is. Frames received are handed to {@link FrameHandler} on I/O
 * threads; frames go out through the mesh's {@link Outbox} ({@link #send} is a shortcut), which
 * never blocks and never buffers without bound — when the peer's queue is full (or the peer is
 * down) the frame is dropped; the protocol retransmits.
 */
public final class ReplicaMesh implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(ReplicaMesh.class);

    private final int selfId;
    private final String name;
    private final NettyNode node;
    private final Outbox outbox;
    private final KnownPeers peers;
    private final Dialers dialers;
    /** The members of the views followed last, guarded by this. */
    private Set<Long> members;

    private ReplicaMesh(int selfId, String name, NettyNode node, Outbox outbox, KnownPeers peers, Timeouts timeouts) {
        this.selfId = selfId;
        this.name = name;
        this.node = node;
        this.outbox = outbox;
        this.peers = peers;
        this.dialers = new Dialers(node, name, timeouts);
    }

    /**
     * Listens on this replica's {@code host:port} from the config and starts dialling every
     * replica with a higher id, sending through an outbox of its own.
     *
     * @param config   the cluster: every replica's address, limits and timeouts
     * @param selfId   this replica's id
     * @param identity this replica's private key and certificate (must be the one the config lists)
     * @param handler  receives the peers' frames and connection events
     * @return the mesh, listening and dialling
     * @throws IOException if the TLS contexts cannot be built or the port cannot be bound
     * @throws IllegalArgumentException if {@code selfId} is not in the config or {@code identity} is not its
     */
    public static ReplicaMesh start(ClusterConfig config, int selfId, NodeIdentity identity, FrameHandler handler)
            throws IOException {
        return start(config, selfId, identity, handler, null);
    }

    /**
     * Like {@link #start(ClusterConfig, int, NodeIdentity, FrameHandler)} on shared I/O threads (null: its own).
     *
     * @param config   the cluster: every replica's address, limits and timeouts
     * @param selfId   this replica's id
     * @param identity this replica's private key and certificate (must be the one the config lists)
     * @param handler  receives the peers' frames and connection events
     * @param threads  the I/O threads to share, or null for threads of its own
     * @return the mesh, listening and dialling
     * @throws IOException if the TLS contexts cannot be built or the port cannot be bound
     * @throws IllegalArgumentException if {@code selfId} is not in the config or {@code identity} is not its
     */
    public static ReplicaMesh start(ClusterConfig config, int selfId, NodeIdentity identity, FrameHandler handler,
                                    NetworkThreads threads) throws IOException {
        return start(config, selfId, identity, new Outbox(config.limits()), handler, threads);
    }

    /**
     * Like {@link #start(ClusterConfig, int, NodeIdentity, FrameHandler, NetworkThreads)}, sending
     * through {@code outbox}, made beforehand: what sends through the mesh (a replica's protocol
     * loop) is built with the outbox before the mesh, and the mesh is built with it as its handler.
     *
     * @param config   the cluster: every replica's address, limits and timeouts
     * @param selfId   this replica's id
     * @param identity this replica's private key and certificate (must be the one the config lists)
     * @param outbox   where frames for the other replicas are queued; used by no other transport
     * @param handler  receives the peers' frames and connection events
     * @param threads  the I/O threads to share, or null for threads of its own
     * @return the mesh, listening and dialling
     * @throws IOException if the TLS contexts cannot be built or the port cannot be bound
     * @throws IllegalArgumentException if {@code selfId} is not in the config or {@code identity} is not its
     * @throws IllegalStateException if {@code outbox} already serves another transport
     */
    public static ReplicaMesh start(ClusterConfig config, int selfId, NodeIdentity identity, Outbox outbox,
                                    FrameHandler handler, NetworkThreads threads) throws IOException {
        return start(config, List.of(CoreSettings.view(config)), selfId, identity, outbox, handler, threads,
                DefaultAddressResolverGroup.INSTANCE);
    }

    /**
     * Like {@link #start(ClusterConfig, int, NodeIdentity, Outbox, FrameHandler, NetworkThreads)},
     * with the members of {@code views} as its peers (their keys and mesh addresses) instead of
     * the config's replicas: a replica that joins a running cluster, or restarts in a view newer
     * than its cluster file's, knows its peers from its views. It listens at the config's address
     * for {@code selfId}.
     *
     * @param config   the cluster: this replica's address, limits and timeouts
     * @param views    the views whose members are its peers, oldest first (see {@link #follow})
     * @param selfId   this replica's id
     * @param identity this replica's private key and certificate (must be the one the config lists)
     * @param outbox   where frames for the other replicas are queued; used by no other transport
     * @param handler  receives the peers' frames and connection events
     * @param threads  the I/O threads to share, or null for threads of its own
     * @return the mesh, listening and dialling
     * @throws IOException if the TLS contexts cannot be built or the port cannot be bound
     * @throws IllegalArgumentException if {@code selfId} is not in the config or {@code identity} is not its
     */
    public static ReplicaMesh start(ClusterConfig config, List<View> views, int selfId, NodeIdentity identity,
                                    Outbox outbox, FrameHandler handler, NetworkThreads threads) throws IOException {
        return start(config, views, selfId, identity, outbox, handler, threads, DefaultAddressResolverGroup.INSTANCE);
    }

    /** As above, looking up peers' host names in {@code resolver} (tests of names that resolve late). */
    static ReplicaMesh start(ClusterConfig config, int selfId, NodeIdentity identity, FrameHandler handler,
                             NetworkThreads threads, AddressResolverGroup<? extends SocketAddress> resolver)
            throws IOException {
        return start(config, List.of(CoreSettings.view(config)), selfId, identity, new Outbox(config.limits()), handler,
                threads, resolver);
    }

    private static ReplicaMesh start(ClusterConfig config, List<View> views, int selfId, NodeIdentity identity,
                                     Outbox outbox, FrameHandler handler, NetworkThreads threads,
                                     AddressResolverGroup<? extends SocketAddress> resolver) throws IOException {
        ReplicaEntry self = config.replica(selfId)
                .orElseThrow(() -> new IllegalArgumentException("replica " + selfId + " is not in the cluster config"));
        if (!self.publicKey().equals(identity.publicKey())) {
            throw new IllegalArgumentException("identity does not match replica " + selfId + "'s certificate in the config");
        }
        String name = "replica " + selfId + " mesh";
        KnownPeers peers = KnownPeers.membersOf(views);
        Connections connections = new Connections(name, "replica", peers,
                peer -> peer < selfId ? null
                        : "replica " + peer + " dialled us, but only lower ids dial higher ones (we are " + selfId + ")",
                outbox, PeerEvents.of(handler));
        NettyNode node = new NettyNode(name, identity, connections, config.limits(), config.timeouts(), threads,
                resolver);
        ReplicaMesh mesh = new ReplicaMesh(selfId, name, node, outbox, peers, config.timeouts());
        try {
            node.bind(self.host(), self.port());
        } catch (IOException e) {
            node.close();
            throw e;
        }
        mesh.follow(views);
        log.info("{}: listening on {}, dialling {} higher replicas", name, node.localAddress(), mesh.dialers.size());
        return mesh;
    }

    /**
     * Makes the members of {@code views} this mesh's peers: their keys are the ones it accepts
     * (a replica whose key a later view replaced, by either key), the higher ids among them are
     * dialled at the mesh address the newest view gives, and replicas in none of them are no
     * longer dialled nor accepted. A replica follows the view in force and the newest it knows,
     * so it reaches a replica being added before the view that adds it governs, and keeps a
     * replica being removed until the view without it does. The connection of a removed replica
     * is left open: it may still be deciding the last instances of the old view (the frames
     * queued for it would be lost if it were closed), and it closes it itself once it has.
     *
     * @param views the views to follow, oldest first; each must carry its members' keys and
     *              addresses
     * @throws IllegalArgumentException if a member of a view has no key or no address in it
     */
    public synchronized void follow(List<View> views) {
        Map<Long, HostPort> targets = new HashMap<>();
        Set<Long> ids = new HashSet<>();
        for (View view : views) {
            for (int member : view.members()) {
                if (!view.publicKeys().containsKey(member) || !view.addresses().containsKey(member)) {
                    throw new IllegalArgumentException("view " + view.id() + " has no key or no address for replica " + member);
                }
                ids.add((long) member);
                if (member > selfId) {
                    targets.put((long) member, HostPort.parse(view.addresses().get(member).mesh()));
                }
            }
        }
        if (members != null && !ids.equals(members)) {
            log.info("{}: peers are now the replicas {}", name, new TreeSet<>(ids));
        }
        peers.replace(views);
        dialers.dial(targets);
        members = ids;
    }

    /**
     * Presents {@code identity} on the connections made and accepted from now on: a replica whose
     * key an administrator replaced switches once the view naming the new key is in force.
     *
     * @param identity the key and certificate to present
     * @throws SSLException if no TLS context can be built with them
     */
    public void present(NodeIdentity identity) throws SSLException {
        node.present(identity);
    }

    /**
     * Queues {@code frame} for replica {@code peerId} (as {@link Outbox#send}). Returns false, and counts a drop, when
     * the peer is not connected or its outbound queue is full. Ownership of the array passes
     * to the transport: do not modify it afterwards.
     *
     * @param peerId the replica to send to
     * @param frame  the frame's payload
     * @return true if the frame was queued
     * @throws IllegalArgumentException if the frame exceeds {@code limits.frameBytesMax} (a bug
     *                                  in the caller, not a network condition)
     */
    public boolean send(int peerId, byte[] frame) {
        return outbox.send(peerId, frame);
    }

    /**
     * The replica this mesh belongs to.
     *
     * @return its id
     */
    public int selfId() {
        return selfId;
    }

    /**
     * Replicas with an authenticated connection right now.
     *
     * @return their ids
     */
    public Set<Integer> connectedPeers() {
        return outbox.connected().stream().map(Long::intValue).collect(Collectors.toUnmodifiableSet());
    }

    /**
     * Frames queued for {@code peerId} and not yet written.
     *
     * @param peerId the peer
     * @return how many, never above {@code outboundQueueFramesMax}
     */
    public int framesPending(int peerId) {
        return outbox.framesPending(peerId);
    }

    /** The connection to {@code peerId}, or null; for tests that need to misbehave on the wire. */
    io.netty.channel.Channel channelTo(int peerId) {
        return outbox.channel(peerId);
    }

    /**
     * The mesh's counters.
     *
     * @return its live counters: connections made and lost, frames in, out and dropped, connections refused
     */
    public TransportMetrics metrics() {
        return outbox.metrics();
    }

    /**
     * The address actually listened on.
     *
     * @return the bound address, its port resolved if the config asked for 0
     */
    public InetSocketAddress localAddress() {
        return node.localAddress();
    }

    /** Stops dialling, closes every connection and its own I/O threads. No callback runs after it returns. */
    @Override
    public void close() {
        dialers.stop();
        node.close();
        log.info("{}: stopped", name);
    }
}
