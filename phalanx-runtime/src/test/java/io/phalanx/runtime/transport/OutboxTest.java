package io.phalanx.runtime.transport;

import org.junit.jupiter.api.Test;

import java.util.Set;

import static io.phalanx.runtime.transport.Inbox.await;
import static io.phalanx.runtime.transport.Inbox.bytes;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * An outbox exists before its transport, so what sends through it can be built first: until the
 * transport admits a peer, a frame for it is dropped and counted like one for a peer that is
 * down; once the transport built with the outbox connects, frames go out through it.
 */
class OutboxTest {
    @Test
    void aFrameSentBeforeTheTransportExistsIsDroppedAndCountedThenFramesFlowOnceItConnects() throws Exception {
        TestCluster cluster = TestCluster.of(2, 0);
        Outbox outbox = new Outbox(cluster.config().limits());
        assertThat(outbox.send(1, bytes("too early"))).isFalse();
        assertThat(outbox.metrics().snapshot().framesDropped()).isEqualTo(1);
        assertThat(outbox.connected()).isEmpty();

        Inbox inbox = new Inbox();
        try (ReplicaMesh zero = ReplicaMesh.start(cluster.config(), 0, cluster.replicas().get(0), outbox, new Inbox(),
                null);
             ReplicaMesh one = ReplicaMesh.start(cluster.config(), 1, cluster.replicas().get(1), inbox)) {
            await("replica 0 connected to 1", () -> outbox.connected().equals(Set.of(1L)));

            assertThat(outbox.send(1, bytes("through the outbox"))).isTrue();
            await("the frame arrives", () -> inbox.has(0, "through the outbox"));
            assertThat(inbox.has(0, "too early")).isFalse();
            assertThat(zero.metrics()).isSameAs(outbox.metrics());
            assertThat(zero.connectedPeers()).containsExactly(1);
            assertThat(one.connectedPeers()).containsExactly(0);
        }
    }

    @Test
    void aFrameAboveFrameBytesMaxIsRefusedAsACallersBug() {
        TestCluster cluster = TestCluster.of(1, 0);
        Outbox outbox = new Outbox(cluster.config().limits());
        byte[] tooLong = new byte[cluster.config().limits().frameBytesMax() + 1];
        assertThatThrownBy(() -> outbox.send(0, tooLong)).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("frameBytesMax");
        assertThat(outbox.metrics().snapshot().framesDropped()).isZero();
    }

    @Test
    void anOutboxServesOneTransportOnly() throws Exception {
        TestCluster cluster = TestCluster.of(1, 1);
        Outbox outbox = new Outbox(cluster.config().limits());
        try (ReplicaMesh mesh = ReplicaMesh.start(cluster.config(), 0, cluster.replicas().get(0), outbox, new Inbox(),
                null)) {
            assertThatThrownBy(() -> ClientPortServer.start(cluster.config(), 0, cluster.replicas().get(0), outbox,
                    new Inbox(), null).close())
                    .isInstanceOf(IllegalStateException.class)
                    .hasMessageContaining(mesh.selfId() + " mesh");
        }
    }
}
