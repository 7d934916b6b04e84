package io.phalanx.runtime.transport;

import io.netty.bootstrap.Bootstrap;
import io.netty.bootstrap.ServerBootstrap;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.WriteBufferWaterMark;
import io.netty.channel.group.ChannelGroup;
import io.netty.channel.group.DefaultChannelGroup;
import io.netty.channel.socket.SocketChannel;
import io.netty.channel.socket.nio.NioServerSocketChannel;
import io.netty.channel.socket.nio.NioSocketChannel;
import io.netty.handler.ssl.SslContext;
import io.netty.handler.ssl.SslHandler;
import io.netty.resolver.AddressResolverGroup;
import io.netty.util.concurrent.ImmediateEventExecutor;
import io.phalanx.runtime.config.Limits;
import io.phalanx.runtime.config.Timeouts;
import io.phalanx.runtime.keys.NodeIdentity;

import javax.net.ssl.SSLException;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.SocketAddress;

/**
 * The Netty plumbing shared by every transport: I/O threads ({@link NetworkThreads}, given or
 * its own; never a global group, so several transports can share a JVM), TLS contexts for our
 * identity, and one pipeline shape for accepted and dialled connections alike — TLS,
 * {@link FrameDecoder}, {@link ConnectionHandler}. Write-buffer water marks make Netty report a
 * peer unwritable once {@code outboundQueueBytesMax} bytes wait for it. Every channel it opens
 * or accepts is tracked, so closing the node closes them all even on shared threads.
 */
final class NettyNode implements AutoCloseable {
    /** I/O threads of a transport that is not given shared ones. */
    static final int IO_THREADS = 2;
    private static final long SHUTDOWN_TIMEOUT_MS = 2000;

    private final Connections connections;
    private final Limits limits;
    private final Timeouts timeouts;
    private final NetworkThreads threads;
    private final boolean ownThreads;
    private final ChannelGroup channels = new DefaultChannelGroup(ImmediateEventExecutor.INSTANCE);
    private final KnownPeers peers;
    /** The TLS contexts of the identity presented now; new connections use them ({@link #present}). */
    private volatile SslContext serverContext;
    private volatile SslContext clientContext;
    /** Turns host names into addresses at every dial: the JDK's resolver, or a test's name service. */
    private final AddressResolverGroup<? extends SocketAddress> resolver;
    private volatile Channel serverChannel;
    private volatile boolean closed;

    /**
     * @param shared   I/O threads to run on, which the caller closes; null: start and own {@link #IO_THREADS}
     * @param resolver looks up host names at every dial ({@code DefaultAddressResolverGroup.INSTANCE}:
     *                 the JDK's)
     */
    NettyNode(String name, NodeIdentity identity, Connections connections, Limits limits, Timeouts timeouts,
              NetworkThreads shared, AddressResolverGroup<? extends SocketAddress> resolver) throws SSLException {
        this.connections = connections;
        this.resolver = resolver;
        this.limits = limits;
        this.timeouts = timeouts;
        this.peers = connections.peers();
        present(identity);
        this.ownThreads = shared == null;
        this.threads = ownThreads ? NetworkThreads.start(name, IO_THREADS) : shared;
    }

    /**
     * Presents {@code identity} on every connection made or accepted from now on (a key rotation);
     * connections already open keep the certificate they were authenticated with.
     */
    void present(NodeIdentity identity) throws SSLException {
        SslContext server = TlsContexts.server(identity, peers);
        SslContext client = TlsContexts.client(identity, peers);
        serverContext = server;
        clientContext = client;
    }

    EventLoopGroup group() {
        return threads.group();
    }

    private WriteBufferWaterMark waterMark() {
        int high = (int) Math.min(Integer.MAX_VALUE, limits.outboundQueueBytesMax());
        return new WriteBufferWaterMark(Math.max(1, high / 2), high);
    }

    private void initPipeline(Channel channel, SslHandler tls, Long expectedPeer, Runnable onAdmitted) {
        channels.add(channel); // removed again when it closes
        if (closed) {
            channel.close(); // a dial that raced with close(): the group was already closed
            return;
        }
        tls.setHandshakeTimeoutMillis(timeouts.handshakeMs());
        channel.pipeline()
                .addLast("tls", tls)
                .addLast("frames", new FrameDecoder(limits.frameBytesMax(), timeouts.frameIncompleteMs()))
                .addLast("peer", new ConnectionHandler(connections, expectedPeer, onAdmitted));
    }

    /** Listens on {@code host:port}; port 0 picks a free port (see {@link #localAddress()}). */
    void bind(String host, int port) throws IOException {
        ServerBootstrap bootstrap = new ServerBootstrap()
                .group(group())
                .channel(NioServerSocketChannel.class)
                .option(ChannelOption.SO_REUSEADDR, true)
                .childOption(ChannelOption.TCP_NODELAY, true)
                .childOption(ChannelOption.WRITE_BUFFER_WATER_MARK, waterMark())
                .childHandler(new ChannelInitializer<SocketChannel>() {
                    @Override
                    protected void initChannel(SocketChannel channel) {
                        initPipeline(channel, serverContext.newHandler(channel.alloc()), null, () -> { });
                    }
                });
        ChannelFuture bound = bootstrap.bind(host, port).awaitUninterruptibly();
        if (!bound.isSuccess()) {
            throw new IOException("cannot listen on " + host + ":" + port + ": " + bound.cause().getMessage(), bound.cause());
        }
        serverChannel = bound.channel();
        channels.add(serverChannel);
    }

    InetSocketAddress localAddress() {
        Channel channel = serverChannel;
        return channel == null ? null : (InetSocketAddress) channel.localAddress();
    }

    /** Starts one TCP connect + TLS handshake to {@code expectedPeer}; see {@link Dialer} for retries. */
    ChannelFuture connect(String host, int port, long expectedPeer, Runnable onAdmitted) {
        return new Bootstrap()
                .group(group())
                .channel(NioSocketChannel.class)
                .resolver(resolver)
                .option(ChannelOption.TCP_NODELAY, true)
                .option(ChannelOption.CONNECT_TIMEOUT_MILLIS, (int) Math.min(Integer.MAX_VALUE, timeouts.connectMs()))
                .option(ChannelOption.WRITE_BUFFER_WATER_MARK, waterMark())
                .handler(new ChannelInitializer<SocketChannel>() {
                    @Override
                    protected void initChannel(SocketChannel channel) {
                        initPipeline(channel, clientContext.newHandler(channel.alloc(), host, port), expectedPeer, onAdmitted);
                    }
                })
                .connect(host, port);
    }

    /** Closes every channel of this node; on return none of their callbacks is running or will run. */
    @Override
    public void close() {
        closed = true;
        connections.close();
        channels.close().awaitUninterruptibly(SHUTDOWN_TIMEOUT_MS);
        if (ownThreads) {
            threads.close();
        } else {
            threads.quiesce(); // inactive events of the channels just closed run before this returns
        }
    }
}
