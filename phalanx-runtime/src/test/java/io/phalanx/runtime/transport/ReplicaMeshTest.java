package io.phalanx.runtime.transport;

import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.phalanx.runtime.config.Limits;
import io.phalanx.runtime.config.ReplicaEntry;
import io.phalanx.runtime.keys.NodeIdentity;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.time.Duration;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;

import static io.phalanx.runtime.transport.Inbox.await;
import static io.phalanx.runtime.transport.Inbox.bytes;
import static org.assertj.core.api.Assertions.assertThat;

class ReplicaMeshTest {
    private final List<AutoCloseable> started = new ArrayList<>();

    @AfterEach
    void closeAll() throws Exception {
        for (int i = started.size() - 1; i >= 0; i--) {
            started.get(i).close();
        }
    }

    private ReplicaMesh start(TestCluster cluster, int id, NodeIdentity identity, FrameHandler handler) throws IOException {
        ReplicaMesh mesh = ReplicaMesh.start(cluster.config(), id, identity, handler);
        started.add(mesh);
        return mesh;
    }

    private ReplicaMesh[] startAll(TestCluster cluster, Inbox[] inboxes, int... ids) throws IOException {
        ReplicaMesh[] meshes = new ReplicaMesh[cluster.replicas().size()];
        for (int id : ids) {
            inboxes[id] = new Inbox();
            meshes[id] = start(cluster, id, cluster.replicas().get(id), inboxes[id]);
        }
        return meshes;
    }

    private static void awaitConnected(ReplicaMesh mesh, Set<Integer> peers) {
        await("replica " + mesh.selfId() + " connected to " + peers, () -> mesh.connectedPeers().containsAll(peers));
    }

    private static void awaitFullMesh(ReplicaMesh[] meshes, int... ids) {
        for (int self : ids) {
            Set<Integer> others = Arrays.stream(ids).filter(p -> p != self).boxed()
                    .collect(Collectors.toSet());
            awaitConnected(meshes[self], others);
        }
    }

    /** Every ordered pair among {@code ids} exchanges one frame tagged with {@code round}. */
    private static void exchange(ReplicaMesh[] meshes, Inbox[] inboxes, String round, int... ids) {
        for (int from : ids) {
            for (int to : ids) {
                if (from != to) {
                    assertThat(meshes[from].send(to, bytes(round + " " + from + "->" + to))).isTrue();
                }
            }
        }
        for (int from : ids) {
            for (int to : ids) {
                if (from != to) {
                    String text = round + " " + from + "->" + to;
                    await(text, () -> inboxes[to].has(from, text));
                }
            }
        }
    }

    @Test
    void fourReplicasConnectAndEveryPairExchangesFramesBothWays() throws Exception {
        TestCluster cluster = TestCluster.of(4, 0);
        Inbox[] inboxes = new Inbox[4];
        ReplicaMesh[] meshes = startAll(cluster, inboxes, 0, 1, 2, 3);
        awaitFullMesh(meshes, 0, 1, 2, 3);
        exchange(meshes, inboxes, "hello", 0, 1, 2, 3);

        assertThat(inboxes[2].up).containsExactlyInAnyOrder(0L, 1L, 3L);
        TransportMetrics.Snapshot metrics = meshes[1].metrics().snapshot();
        assertThat(metrics.framesIn()).isEqualTo(3);
        await("frames written", () -> meshes[1].metrics().snapshot().framesOut() == 3);
        assertThat(metrics.connectionsUp()).isEqualTo(3);
        assertThat(metrics.rejectedHandshakes()).isZero();
        assertThat(metrics.badFrames()).isZero();
    }

    @Test
    void killedReplicaIsRedialledAfterRestartAndFramesFlowAgain() throws Exception {
        TestCluster cluster = TestCluster.of(4, 0);
        Inbox[] inboxes = new Inbox[4];
        ReplicaMesh[] meshes = startAll(cluster, inboxes, 0, 1, 2, 3);
        awaitFullMesh(meshes, 0, 1, 2, 3);

        meshes[2].close();
        await("others notice replica 2 is down", () -> !meshes[0].connectedPeers().contains(2)
                && !meshes[1].connectedPeers().contains(2) && !meshes[3].connectedPeers().contains(2));
        // The peer leaves connectedPeers() just before onPeerDown runs on the I/O thread.
        await("replica 0 was told replica 2 is down", () -> inboxes[0].downs.contains(2L));
        assertThat(meshes[0].send(2, bytes("lost"))).isFalse();
        assertThat(meshes[0].metrics().snapshot().framesDropped()).isPositive();
        exchange(meshes, inboxes, "without 2", 0, 1, 3);

        Thread.sleep(300); // let the redial backoff grow to its cap before the replica returns
        inboxes[2] = new Inbox();
        meshes[2] = start(cluster, 2, cluster.replicas().get(2), inboxes[2]);
        awaitFullMesh(meshes, 0, 1, 2, 3);
        exchange(meshes, inboxes, "after restart", 0, 1, 2, 3);
    }

    @Test
    void certificateNotInTheConfigIsRefusedAndTheMeshKeepsServing() throws Exception {
        TestCluster cluster = TestCluster.of(4, 0);
        Inbox[] inboxes = new Inbox[4];
        ReplicaMesh[] meshes = startAll(cluster, inboxes, 1, 2, 3);
        awaitFullMesh(meshes, 1, 2, 3);
        // An impostor claims to be replica 0: its own config lists its key for id 0, ours does not.
        NodeIdentity rogue = TestCluster.identity("replica-0");
        TestCluster impostorView = cluster.withReplicas(list -> {
            ReplicaEntry real = list.get(0);
            list.set(0, new ReplicaEntry(0, real.host(), real.port(), real.clientPort(), rogue.certificate()));
            return list;
        });
        start(impostorView, 0, rogue, new Inbox());

        await("replicas 1-3 refuse the impostor", () -> meshes[1].metrics().snapshot().rejectedHandshakes() > 0
                && meshes[2].metrics().snapshot().rejectedHandshakes() > 0
                && meshes[3].metrics().snapshot().rejectedHandshakes() > 0);
        awaitConnected(meshes[1], Set.of(2, 3));
        assertThat(meshes[1].connectedPeers()).doesNotContain(0);
        exchange(meshes, inboxes, "despite impostor", 1, 2, 3);
        assertThat(inboxes[1].frames).noneMatch(frame -> frame.from() == 0);
    }

    @Test
    void replicaCertificateUsedOnTheWrongConnectionIsRefused() throws Exception {
        TestCluster cluster = TestCluster.of(4, 0);
        Inbox[] inboxes = new Inbox[4];
        ReplicaMesh[] meshes = startAll(cluster, inboxes, 1, 2, 3);
        awaitFullMesh(meshes, 1, 2, 3);
        // Replica 3's real key, running as "replica 0": it dials 1, 2 and 3, but a connection
        // authenticated as replica 3 may only come to replicas above 3 (there are none).
        TestCluster twisted = cluster.withReplicas(list -> {
            ReplicaEntry zero = list.get(0);
            ReplicaEntry three = list.get(3);
            list.set(0, new ReplicaEntry(0, zero.host(), zero.port(), zero.clientPort(), three.certificate()));
            list.set(3, new ReplicaEntry(3, three.host(), three.port(), three.clientPort(), zero.certificate()));
            return list;
        });
        start(twisted, 0, cluster.replicas().get(3), new Inbox());

        await("replicas 1 and 2 refuse replica 3's certificate on an inbound connection",
                () -> meshes[1].metrics().snapshot().rejectedHandshakes() > 0
                        && meshes[2].metrics().snapshot().rejectedHandshakes() > 0);
        assertThat(meshes[1].connectedPeers()).containsExactlyInAnyOrder(2, 3);
        exchange(meshes, inboxes, "still fine", 1, 2, 3);
    }

    @Test
    void garbageOnAPlainSocketClosesOnlyThatConnection() throws Exception {
        TestCluster cluster = TestCluster.of(4, 0);
        Inbox[] inboxes = new Inbox[4];
        ReplicaMesh[] meshes = startAll(cluster, inboxes, 0, 1, 2, 3);
        awaitFullMesh(meshes, 0, 1, 2, 3);

        try (Socket socket = new Socket("127.0.0.1", cluster.entry(3).port())) {
            socket.setSoTimeout(5000);
            OutputStream out = socket.getOutputStream();
            out.write("GET / HTTP/1.1\r\nHost: replica\r\n\r\n".getBytes(StandardCharsets.US_ASCII));
            out.flush();
            InputStream in = socket.getInputStream();
            assertThat(readUntilClosed(in)).isTrue();
        }
        await("refusal counted", () -> meshes[3].metrics().snapshot().rejectedHandshakes() == 1);
        assertThat(meshes[3].connectedPeers()).containsExactlyInAnyOrder(0, 1, 2);
        exchange(meshes, inboxes, "after garbage", 0, 1, 2, 3);
    }

    private static boolean readUntilClosed(InputStream in) {
        try {
            while (in.read() >= 0) {
                // drain whatever alert the server sends before closing
            }
            return true;
        } catch (IOException reset) {
            return true;
        }
    }

    @Test
    void negativeOrOversizedLengthPrefixClosesOnlyThatConnection() throws Exception {
        TestCluster cluster = TestCluster.of(4, 0, new Limits(4096, 64, 1 << 20));
        Inbox[] inboxes = new Inbox[4];
        ReplicaMesh[] meshes = startAll(cluster, inboxes, 0, 1, 2, 3);
        awaitFullMesh(meshes, 0, 1, 2, 3);

        for (int length : new int[] {-5, 4097}) {
            long before = meshes[1].metrics().snapshot().badFrames();
            Channel toOne = meshes[0].channelTo(1);
            toOne.writeAndFlush(Unpooled.buffer(8).writeInt(length).writeInt(0));
            await("replica 1 closes the connection with the bad frame",
                    () -> meshes[1].metrics().snapshot().badFrames() == before + 1);
            await("replica 0 redials replica 1", () -> meshes[0].channelTo(1) != null && meshes[0].channelTo(1) != toOne
                    && meshes[1].connectedPeers().contains(0));
            exchange(meshes, inboxes, "after length " + length, 0, 1, 2, 3);
        }
        assertThat(meshes[2].metrics().snapshot().badFrames()).isZero();
        assertThat(meshes[2].metrics().snapshot().connectionsDown()).isZero();
    }

    @Test
    void aPeerThatNeverReadsMakesSendReturnFalseWithBoundedQueue() throws Exception {
        int framesMax = 32;
        TestCluster cluster = TestCluster.of(4, 0, new Limits(128 * 1024, framesMax, 1 << 20));
        CountDownLatch release = new CountDownLatch(1);
        Inbox stuck = new Inbox() {
            @Override
            public void onFrame(int replicaId, byte[] frame) {
                try {
                    // A receiver that blocks its network thread: that thread stops reading.
                    release.await(20, TimeUnit.SECONDS);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
            }
        };
        ReplicaMesh zero = start(cluster, 0, cluster.replicas().get(0), new Inbox());
        ReplicaMesh one = start(cluster, 1, cluster.replicas().get(1), stuck);
        started.add(release::countDown); // closed first: unblocks the I/O thread before the meshes close
        awaitConnected(zero, Set.of(1));

        byte[] frame = new byte[64 * 1024];
        long acceptedBytesMax = 64L << 20; // far above socket buffers + outboundQueueBytesMax
        long accepted = 0;
        while (true) {
            assertThat(zero.framesPending(1)).isLessThanOrEqualTo(framesMax);
            if (zero.send(1, frame)) {
                accepted += frame.length;
                assertThat(accepted).as("send must refuse before unbounded buffering").isLessThan(acceptedBytesMax);
                continue;
            }
            // Refused: either a burst outran the I/O thread, or the peer really stopped reading.
            Thread.sleep(200);
            if (!zero.send(1, frame)) {
                break;
            }
            accepted += frame.length;
        }
        assertThat(zero.framesPending(1)).isLessThanOrEqualTo(framesMax);
        assertThat(zero.metrics().snapshot().framesDropped()).isGreaterThanOrEqualTo(2);

        release.countDown();
        await("queue drains once the peer reads", Duration.ofSeconds(15), () -> zero.framesPending(1) == 0);
        assertThat(zero.send(1, bytes("flowing again"))).isTrue();
        assertThat(one.connectedPeers()).contains(0);
    }
}
