package io.phalanx.runtime.transport;

import io.phalanx.runtime.config.Limits;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;

import static io.phalanx.runtime.transport.Inbox.await;
import static io.phalanx.runtime.transport.Inbox.bytes;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * Senders are protocol, execution and client threads, never an event loop; the transport
 * queues their frames and writes each queue's batch with one flush. These tests send bursts
 * over real TLS connections on 127.0.0.1 and check that batching loses and reorders nothing.
 */
class BurstWriteTest {
    private static final int BURST = 2000;
    /** Room for a whole burst, so no frame is refused and every one must arrive. */
    private static final Limits ROOMY = new Limits(1 << 20, BURST, 64L << 20);

    private final List<AutoCloseable> started = new ArrayList<>();

    @AfterEach
    void closeAll() throws Exception {
        for (int i = started.size() - 1; i >= 0; i--) {
            started.get(i).close();
        }
    }

    private <T extends AutoCloseable> T track(T closeable) {
        started.add(closeable);
        return closeable;
    }

    @Test
    void aBurstFromOneThreadArrivesCompleteAndInOrderInFewerFlushesThanFrames() throws Exception {
        TestCluster cluster = TestCluster.of(4, 0, ROOMY);
        Inbox inbox = new Inbox();
        ReplicaMesh zero = track(ReplicaMesh.start(cluster.config(), 0, cluster.replicas().get(0), new Inbox()));
        track(ReplicaMesh.start(cluster.config(), 1, cluster.replicas().get(1), inbox));
        await("replica 0 connected to 1", () -> zero.connectedPeers().contains(1));

        List<String> sent = new ArrayList<>();
        for (int i = 0; i < BURST; i++) {
            String text = "frame " + i;
            sent.add(text);
            assertThat(zero.send(1, bytes(text))).as(text).isTrue();
        }

        await("the whole burst arrives", () -> inbox.frames.size() == BURST);
        assertThat(inbox.frames).extracting(Inbox.Received::text).containsExactlyElementsOf(sent);
        await("every frame counted as written", () -> zero.metrics().snapshot().framesOut() == BURST);
        TransportMetrics.Snapshot metrics = zero.metrics().snapshot();
        assertThat(metrics.framesDropped()).isZero();
        // Not a timing claim: the burst is queued far faster than one event-loop task per frame
        // could run, so at least some flushes carry several frames.
        assertThat(metrics.flushes()).isPositive().isLessThan(BURST);
        assertThat(zero.framesPending(1)).isZero();
    }

    @Test
    void burstsFromSeveralClientThreadsKeepEachThreadsOrderAndRepliesComeBackInOrder() throws Exception {
        TestCluster cluster = TestCluster.of(4, 1, ROOMY);
        Inbox replicaInbox = new Inbox();
        ClientPortServer server = track(ClientPortServer.start(cluster.config(), 0, cluster.replicas().get(0), replicaInbox));
        Inbox clientInbox = new Inbox();
        ClientTransport client = track(ClientTransport.start(cluster.config(), 1000, cluster.clients().get(1000L),
                clientInbox));
        await("client connected to replica 0", () -> client.connectedReplicas().contains(0));
        await("replica 0 knows the client", () -> server.connectedClients().equals(Set.of(1000L)));

        int threads = 4;
        int perThread = BURST / threads;
        CountDownLatch go = new CountDownLatch(1);
        List<Thread> senders = new ArrayList<>();
        List<Throwable> failures = new CopyOnWriteArrayList<>();
        for (int t = 0; t < threads; t++) {
            String tag = "t" + t + " ";
            Thread sender = new Thread(() -> {
                try {
                    go.await();
                    for (int i = 0; i < perThread; i++) {
                        assertThat(client.send(0, bytes(tag + i))).isTrue();
                    }
                } catch (Throwable e) {
                    failures.add(e);
                }
            });
            sender.start();
            senders.add(sender);
        }
        go.countDown();
        for (Thread sender : senders) {
            sender.join();
        }
        assertThat(failures).isEmpty();
        await("every request arrives", () -> replicaInbox.frames.size() == BURST);
        for (int t = 0; t < threads; t++) {
            String tag = "t" + t + " ";
            List<String> expected = new ArrayList<>();
            for (int i = 0; i < perThread; i++) {
                expected.add(tag + i);
            }
            assertThat(replicaInbox.frames).extracting(Inbox.Received::text).filteredOn(text -> text.startsWith(tag))
                    .containsExactlyElementsOf(expected);
        }

        List<String> replies = new ArrayList<>();
        for (int i = 0; i < BURST; i++) {
            replies.add("reply " + i);
            assertThat(server.sendToClient(1000, bytes("reply " + i))).isTrue();
        }
        await("every reply arrives", () -> clientInbox.frames.size() == BURST);
        assertThat(clientInbox.frames).extracting(Inbox.Received::text).containsExactlyElementsOf(replies);
        assertThat(server.metrics().snapshot().framesDropped()).isZero();
        assertThat(client.metrics().snapshot().framesDropped()).isZero();
    }
}
