package io.phalanx.runtime.transport;

import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.phalanx.runtime.config.ClusterConfig;
import io.phalanx.runtime.config.Timeouts;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.slf4j.LoggerFactory;

import java.io.OutputStream;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;

import static io.phalanx.runtime.transport.Inbox.await;
import static io.phalanx.runtime.transport.Inbox.bytes;
import static org.assertj.core.api.Assertions.assertThat;

/** Peers that tie up a replica's client port: stalled frames, handshake floods. */
class HostileConnectionTest {
    private static final long FRAME_INCOMPLETE_MS = 400;

    private final List<AutoCloseable> started = new ArrayList<>();
    private final Logger connectionsLog = (Logger) LoggerFactory.getLogger(Connections.class);
    private final ListAppender<ILoggingEvent> lines = new ListAppender<>();

    @AfterEach
    void closeAll() throws Exception {
        connectionsLog.detachAppender(lines);
        for (int i = started.size() - 1; i >= 0; i--) {
            started.get(i).close();
        }
    }

    private <T extends AutoCloseable> T track(T closeable) {
        started.add(closeable);
        return closeable;
    }

    private static ClusterConfig withFrameIncompleteMs(ClusterConfig config, long frameIncompleteMs) {
        Timeouts t = config.timeouts();
        return new ClusterConfig(config.cluster(), config.replicas(), config.clients(), new Timeouts(t.requestMs(),
                t.connectMs(), t.handshakeMs(), t.reconnectInitialMs(), t.reconnectMaxMs(), frameIncompleteMs),
                config.batch(), config.limits());
    }

    @Test
    void anAuthenticatedClientThatLeavesAFrameHalfSentIsDisconnected() throws Exception {
        TestCluster cluster = TestCluster.of(1, 1);
        ClusterConfig config = withFrameIncompleteMs(cluster.config(), FRAME_INCOMPLETE_MS);
        Inbox replicaInbox = new Inbox();
        ClientPortServer server = track(ClientPortServer.start(config, 0, cluster.replicas().get(0), replicaInbox));
        ClientTransport client = track(ClientTransport.start(config, 1000, cluster.clients().get(1000L), new Inbox()));
        await("client connected", () -> client.connectedReplicas().equals(Set.of(0)));

        assertThat(client.send(0, bytes("a whole frame"))).isTrue();
        await("whole frame delivered", () -> replicaInbox.has(1000, "a whole frame"));
        Thread.sleep(2 * FRAME_INCOMPLETE_MS);
        assertThat(server.connectedClients()).as("complete frames never time out").containsExactly(1000L);

        Channel channel = client.channelTo(0);
        channel.writeAndFlush(Unpooled.buffer().writeInt(1 << 20).writeBytes(new byte[100]));
        await("stalled connection closed", Duration.ofSeconds(10),
                () -> server.metrics().snapshot().incompleteFrames() == 1 && server.connectedClients().isEmpty());
        assertThat(server.metrics().snapshot().badFrames()).isZero();
    }

    @Test
    void aHandshakeFloodIsCountedExactlyAndLoggedAtABoundedRate() throws Exception {
        TestCluster cluster = TestCluster.of(1, 0);
        ClientPortServer server = track(ClientPortServer.start(cluster.config(), 0, cluster.replicas().get(0), new Inbox()));
        lines.start();
        connectionsLog.addAppender(lines);
        int attempts = 200;
        for (int i = 0; i < attempts; i++) {
            try (Socket socket = new Socket("127.0.0.1", cluster.entry(0).clientPort())) {
                OutputStream out = socket.getOutputStream();
                out.write("GET / HTTP/1.1\r\n\r\n".getBytes(StandardCharsets.US_ASCII)); // not TLS
                out.flush();
            }
        }
        await("every refusal counted", Duration.ofSeconds(20),
                () -> server.metrics().snapshot().rejectedHandshakes() == attempts);
        Thread.sleep(200); // nothing more may come
        assertThat(server.metrics().snapshot().rejectedHandshakes()).isEqualTo(attempts);
        long refusalLines = lines.list.stream()
                .filter(e -> e.getFormattedMessage().contains("refused connection")).count();
        assertThat(refusalLines).as("logged at occurrences 1, 2, 4, ..., 128").isEqualTo(8);
    }
}
