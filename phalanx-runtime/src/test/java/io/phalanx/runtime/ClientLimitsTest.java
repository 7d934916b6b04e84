package io.phalanx.runtime;

import io.phalanx.core.message.Bytes;
import io.phalanx.kv.KvOperation;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;

import static io.phalanx.runtime.LocalCluster.op;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** A client's bounds: too many open calls fail at once, a call without a quorum times out clearly. */
class ClientLimitsTest {

    @Test
    void callsWithoutAQuorumTimeOutAndExcessCallsAreRefused() throws Exception {
        // Only replica 0 of 4 runs: no quorum can answer.
        try (LocalCluster cluster = LocalCluster.start(4, 1, 1, false, Set.of(1, 2, 3));
             Client client = Client.builder().config(cluster.config).id(1000)
                     .identity(cluster.clientIdentities.get(1000L)).callTimeout(Duration.ofMillis(1500))
                     .outstandingMax(2).waitingMax(3).build()) {
            List<CompletableFuture<Bytes>> calls = new ArrayList<>();
            for (int i = 0; i < 5; i++) {
                calls.add(client.invokeAsync(op(new KvOperation.Incr("c", 1))));
            }
            CompletableFuture<Bytes> sixth = client.invokeAsync(op(new KvOperation.Incr("c", 1)));
            assertThat(sixth).isCompletedExceptionally();
            assertThatThrownBy(sixth::join).hasCauseInstanceOf(PhalanxOverloadedException.class);

            assertThatThrownBy(() -> client.invoke(op(new KvOperation.Get("c"))))
                    .isInstanceOf(PhalanxOverloadedException.class);
            for (CompletableFuture<Bytes> call : calls) {
                assertThatThrownBy(() -> call.get(10, TimeUnit.SECONDS)).isInstanceOf(ExecutionException.class)
                        .hasCauseInstanceOf(PhalanxTimeoutException.class)
                        .hasMessageContaining("no result from a quorum of replicas within 1500 ms");
            }
            assertThat(client.stats().timedOut()).isEqualTo(5);
            // Every timed-out call freed its place: the three that never reached the core at once,
            // the two in the core by being cancelled there (no more retransmissions).
            assertThat(client.stats().open()).isZero();
        }
    }

    @Test
    void aRequestTooLargeToSendFailsAtOnceAndFreesItsPlace() throws Exception {
        try (LocalCluster cluster = LocalCluster.start(4, 1, 1, false);
             Client client = Client.builder().config(cluster.config).id(1000)
                     .identity(cluster.clientIdentities.get(1000L)).outstandingMax(1).build()) {
            Bytes oversized = Bytes.copyOf(new byte[cluster.config.limits().frameBytesMax() + 1]);
            // With one place in the core, a place kept by a failed call would block the next ones.
            for (int i = 0; i < 3; i++) {
                assertThatThrownBy(() -> client.invoke(oversized)).isInstanceOf(PhalanxException.class)
                        .hasMessageContaining("request cannot be sent");
            }
            assertThat(client.invoke(op(new KvOperation.Incr("c", 1)))).isNotNull();
            assertThat(client.stats().open()).isZero();
            assertThat(client.stats().completed()).isEqualTo(1);
        }
    }
}
