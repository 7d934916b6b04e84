package io.phalanx.runtime.admin;

import io.netty.bootstrap.ServerBootstrap;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.channel.SimpleChannelInboundHandler;
import io.netty.channel.group.ChannelGroup;
import io.netty.channel.group.DefaultChannelGroup;
import io.netty.channel.socket.SocketChannel;
import io.netty.channel.socket.nio.NioServerSocketChannel;
import io.netty.handler.codec.http.DefaultFullHttpResponse;
import io.netty.handler.codec.http.FullHttpRequest;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaderValues;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpObjectAggregator;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpServerCodec;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.handler.codec.http.QueryStringDecoder;
import io.netty.handler.timeout.ReadTimeoutHandler;
import io.netty.util.concurrent.GlobalEventExecutor;
import io.phalanx.runtime.config.AdminEndpoint;
import io.phalanx.runtime.transport.NetworkThreads;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Supplier;

/**
 * A read-only HTTP/1.1 server on a replica's network threads (Netty's HTTP codec; no server
 * library of its own): GET or HEAD of a known path answers the page, any other method 405, any
 * other path 404. Every answer closes its connection, and a page is rendered on the network
 * thread that read the request, so it must be cheap (a scrape is a few hundred lines).
 *
 * <p>Bounded like the rest of the runtime: at most {@link #CONNECTIONS_MAX} connections (more
 * are closed at once), requests of at most {@link #REQUEST_BYTES_MAX} bytes, and a connection
 * that sends nothing for {@link #IDLE_SECONDS} s is closed. Nothing here authenticates: the port
 * listens on loopback unless the cluster file says otherwise.
 */
public final class AdminServer implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(AdminServer.class);
    static final int CONNECTIONS_MAX = 16;
    static final int REQUEST_BYTES_MAX = 8 * 1024;
    static final int IDLE_SECONDS = 10;

    /** A page: its content type and bytes. */
    public record Page(String contentType, byte[] body) {
        /**
         * A page of text.
         *
         * @param contentType the {@code Content-Type} header, with its charset (UTF-8)
         * @param body        the text, sent as UTF-8
         * @return the page
         */
        public static Page text(String contentType, String body) {
            return new Page(contentType, body.getBytes(StandardCharsets.UTF_8));
        }
    }

    private final ChannelGroup channels = new DefaultChannelGroup("admin", GlobalEventExecutor.INSTANCE);
    private final AtomicInteger open = new AtomicInteger();
    private final Map<String, Supplier<Page>> pages;
    private final String name;
    private Channel serverChannel;

    private AdminServer(String name, Map<String, Supplier<Page>> pages) {
        this.name = name;
        this.pages = Map.copyOf(pages);
    }

    /**
     * Listens on {@code endpoint} on {@code threads}, serving {@code pages} by path.
     *
     * @param name     who serves, for the log
     * @param endpoint host and port to listen on (port 0: a free one)
     * @param threads  the network threads that accept, read and render; the caller closes them
     * @param pages    by path ({@code /metrics}), a supplier called for every request
     * @return the server, listening
     * @throws IOException if the port cannot be bound
     */
    public static AdminServer start(String name, AdminEndpoint endpoint, NetworkThreads threads,
                                    Map<String, Supplier<Page>> pages) throws IOException {
        AdminServer server = new AdminServer(name, pages);
        ServerBootstrap bootstrap = new ServerBootstrap()
                .group(threads.group())
                .channel(NioServerSocketChannel.class)
                .option(ChannelOption.SO_REUSEADDR, true)
                .childHandler(new ChannelInitializer<SocketChannel>() {
                    @Override
                    protected void initChannel(SocketChannel channel) {
                        server.admit(channel);
                    }
                });
        ChannelFuture bound = bootstrap.bind(endpoint.host(), endpoint.port()).awaitUninterruptibly();
        if (!bound.isSuccess()) {
            throw new IOException("cannot listen on admin " + endpoint.host() + ":" + endpoint.port() + ": "
                    + bound.cause().getMessage(), bound.cause());
        }
        server.serverChannel = bound.channel();
        server.channels.add(server.serverChannel);
        log.info("{}: admin port {}:{} serves {}", name, endpoint.host(), server.localAddress().getPort(),
                new java.util.TreeSet<>(pages.keySet()));
        return server;
    }

    private void admit(SocketChannel channel) {
        if (open.incrementAndGet() > CONNECTIONS_MAX) {
            open.decrementAndGet();
            channel.close();
            return;
        }
        channel.closeFuture().addListener(f -> open.decrementAndGet());
        channels.add(channel);
        channel.pipeline()
                .addLast(new ReadTimeoutHandler(IDLE_SECONDS, TimeUnit.SECONDS))
                .addLast(new HttpServerCodec(REQUEST_BYTES_MAX, REQUEST_BYTES_MAX, REQUEST_BYTES_MAX))
                .addLast(new HttpObjectAggregator(REQUEST_BYTES_MAX))
                .addLast(new Handler());
    }

    /**
     * The address listened on.
     *
     * @return the address, with the port picked if 0 was given
     */
    public InetSocketAddress localAddress() {
        return (InetSocketAddress) serverChannel.localAddress();
    }

    @Override
    public void close() {
        channels.close().awaitUninterruptibly(2, TimeUnit.SECONDS);
    }

    private final class Handler extends SimpleChannelInboundHandler<FullHttpRequest> {
        @Override
        protected void channelRead0(ChannelHandlerContext ctx, FullHttpRequest request) {
            FullHttpResponse response = answer(request);
            response.headers().set(HttpHeaderNames.CONNECTION, HttpHeaderValues.CLOSE)
                    .setInt(HttpHeaderNames.CONTENT_LENGTH, response.content().readableBytes());
            if (request.method().equals(HttpMethod.HEAD)) {
                response.content().clear();
            }
            ctx.writeAndFlush(response).addListener(ChannelFutureListener.CLOSE);
        }

        private FullHttpResponse answer(FullHttpRequest request) {
            if (!request.decoderResult().isSuccess()) {
                return plain(HttpResponseStatus.BAD_REQUEST, "bad request\n");
            }
            if (!request.method().equals(HttpMethod.GET) && !request.method().equals(HttpMethod.HEAD)) {
                FullHttpResponse response = plain(HttpResponseStatus.METHOD_NOT_ALLOWED, "read-only: GET or HEAD\n");
                response.headers().set(HttpHeaderNames.ALLOW, "GET, HEAD");
                return response;
            }
            Supplier<Page> page = pages.get(new QueryStringDecoder(request.uri()).path());
            if (page == null) {
                return plain(HttpResponseStatus.NOT_FOUND, "not found; pages: " + new java.util.TreeSet<>(pages.keySet()) + "\n");
            }
            Page rendered;
            try {
                rendered = page.get();
            } catch (RuntimeException e) {
                log.warn("{}: admin page {} failed: {}", name, request.uri(), e.toString());
                return plain(HttpResponseStatus.INTERNAL_SERVER_ERROR, "error: " + e + "\n");
            }
            FullHttpResponse response = new DefaultFullHttpResponse(HttpVersion.HTTP_1_1, HttpResponseStatus.OK,
                    Unpooled.wrappedBuffer(rendered.body()));
            // Any origin may read: the status page of one replica reads its peers' /status, on other
            // ports. The pages are read-only and say nothing the port does not tell any client.
            response.headers().set(HttpHeaderNames.CONTENT_TYPE, rendered.contentType())
                    .set(HttpHeaderNames.CACHE_CONTROL, "no-store")
                    .set(HttpHeaderNames.ACCESS_CONTROL_ALLOW_ORIGIN, "*");
            return response;
        }

        @Override
        public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
            ctx.close(); // a reset or an idle client: nothing to tell anyone
        }
    }

    private static FullHttpResponse plain(HttpResponseStatus status, String text) {
        FullHttpResponse response = new DefaultFullHttpResponse(HttpVersion.HTTP_1_1, status,
                Unpooled.wrappedBuffer(text.getBytes(StandardCharsets.UTF_8)));
        response.headers().set(HttpHeaderNames.CONTENT_TYPE, "text/plain; charset=utf-8");
        return response;
    }
}
