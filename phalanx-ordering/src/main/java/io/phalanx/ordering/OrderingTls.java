package io.phalanx.ordering;

import io.grpc.ManagedChannel;
import io.grpc.netty.shaded.io.grpc.netty.GrpcSslContexts;
import io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder;
import io.grpc.netty.shaded.io.grpc.netty.NettyServerBuilder;
import io.grpc.netty.shaded.io.netty.handler.ssl.ClientAuth;
import io.grpc.netty.shaded.io.netty.handler.ssl.SslContextBuilder;
import io.grpc.netty.shaded.io.netty.handler.ssl.SslProvider;
import io.phalanx.runtime.config.ClientEntry;
import io.phalanx.runtime.config.ClusterConfig;
import io.phalanx.runtime.config.ReplicaEntry;
import io.phalanx.runtime.keys.NodeIdentity;
import io.phalanx.runtime.keys.PinnedTrustManager;

import javax.net.ssl.SSLException;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.security.PublicKey;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;

/**
 * TLS on the ordering service's gRPC links between its own processes: a frontend or a node
 * reading a node's deliver endpoint. Both ends authenticate (TLS 1.3, the JDK's provider, as on
 * the replicas' mesh) with the keys of the cluster file, pinned instead of checked against a
 * certificate authority: a deliver endpoint serves only the cluster's replicas and clients, and a
 * reader accepts only a replica's certificate at the other end.
 *
 * @param identity this process's key and certificate: a node's replica key, a frontend's client key
 * @param nodes    the ordering nodes' public keys, the only servers a reader accepts
 * @param readers  who may read a deliver endpoint: the nodes and the cluster's clients
 */
public record OrderingTls(NodeIdentity identity, List<PublicKey> nodes, List<PublicKey> readers) {
    private static final String TLS_1_3 = "TLSv1.3";

    /**
     * Copies the lists.
     *
     * @param identity this process's key and certificate
     * @param nodes    the ordering nodes' public keys
     * @param readers  who may read a deliver endpoint
     */
    public OrderingTls {
        Objects.requireNonNull(identity, "identity");
        nodes = List.copyOf(nodes);
        readers = List.copyOf(readers);
    }

    /**
     * The keys of {@code cluster}: its replicas are the nodes, its replicas and clients the readers.
     *
     * @param cluster  the cluster file
     * @param identity this process's key and certificate
     * @return the TLS settings
     */
    public static OrderingTls of(ClusterConfig cluster, NodeIdentity identity) {
        List<PublicKey> nodes = new ArrayList<>();
        for (ReplicaEntry replica : cluster.replicas()) {
            nodes.add(replica.certificate().getPublicKey());
        }
        List<PublicKey> readers = new ArrayList<>(nodes);
        for (ClientEntry client : cluster.clients()) {
            readers.add(client.certificate().getPublicKey());
        }
        return new OrderingTls(identity, nodes, readers);
    }

    /**
     * A server at {@code address} that presents this identity and admits only readers.
     *
     * @param address where to listen
     * @return the builder, to add services to
     */
    NettyServerBuilder deliverServer(InetSocketAddress address) {
        return NettyServerBuilder.forAddress(address).sslContext(build(GrpcSslContexts.configure(
                SslContextBuilder.forServer(identity.privateKey(), identity.certificate()), SslProvider.JDK)
                .protocols(TLS_1_3)
                .clientAuth(ClientAuth.REQUIRE)
                .trustManager(PinnedTrustManager.pinnedTo(readers, "the cluster config's replicas and clients"))));
    }

    /**
     * A channel to a node's deliver endpoint at {@code address}, presenting this identity.
     *
     * @param address the node's deliver endpoint
     * @return the channel
     */
    ManagedChannel channelToNode(InetSocketAddress address) {
        return NettyChannelBuilder.forAddress(address).sslContext(build(GrpcSslContexts.configure(
                        SslContextBuilder.forClient(), SslProvider.JDK)
                .protocols(TLS_1_3)
                .keyManager(identity.privateKey(), identity.certificate())
                .trustManager(PinnedTrustManager.pinnedTo(nodes, "the cluster config's replicas"))
                // Nodes are pinned by key, not by host name: any address of theirs will do.
                .endpointIdentificationAlgorithm(null))).maxInboundMessageSize(Blocks.MESSAGE_BYTES_MAX).build();
    }

    /**
     * A server for Fabric clients at {@code address}, presenting {@code identity} and asking no
     * client certificate (a Fabric client's TLS certificate comes from its organisation's
     * authority, which the ordering service does not check).
     *
     * @param address  where to listen
     * @param identity the server's key and certificate
     * @return the builder, to add services to
     */
    static NettyServerBuilder fabricServer(InetSocketAddress address, NodeIdentity identity) {
        return NettyServerBuilder.forAddress(address).sslContext(build(GrpcSslContexts.configure(
                SslContextBuilder.forServer(identity.privateKey(), identity.certificate()), SslProvider.JDK)
                .protocols(TLS_1_3)));
    }

    /**
     * A Fabric client's channel to a frontend at {@code address} whose certificate carries one of
     * {@code frontendKeys} (tests, the demo and the benchmark use it).
     *
     * @param address      the frontend
     * @param frontendKeys the frontends' public keys
     * @return the channel
     */
    public static ManagedChannel fabricChannel(InetSocketAddress address, List<PublicKey> frontendKeys) {
        return NettyChannelBuilder.forAddress(address).sslContext(build(GrpcSslContexts.configure(
                        SslContextBuilder.forClient(), SslProvider.JDK)
                .protocols(TLS_1_3)
                .trustManager(PinnedTrustManager.pinnedTo(frontendKeys, "the frontends' certificates"))
                .endpointIdentificationAlgorithm(null))).maxInboundMessageSize(Blocks.MESSAGE_BYTES_MAX).build();
    }

    private static io.grpc.netty.shaded.io.netty.handler.ssl.SslContext build(SslContextBuilder builder) {
        try {
            return builder.build();
        } catch (SSLException e) {
            throw new UncheckedIOException("cannot set up TLS: " + e.getMessage(), e);
        }
    }
}
