package io.phalanx.runtime;

import io.phalanx.core.message.Bytes;
import io.phalanx.core.service.ExecutionContext;
import io.phalanx.core.service.Service;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.Set;

import static org.assertj.core.api.Assertions.assertThat;

/** A service that throws stops its replica loudly instead of letting it continue with unknown state. */
class ReplicaFailureTest {
    /** Executes anything except "boom", which it cannot. */
    private static final class Fragile implements Service {
        @Override
        public Bytes execute(Bytes operation, ExecutionContext context) {
            if (operation.toUtf8().equals("boom")) {
                throw new IllegalStateException("cannot execute boom");
            }
            return operation;
        }

        @Override
        public Bytes query(Bytes operation) {
            return operation;
        }

        @Override
        public Bytes snapshot() {
            return Bytes.EMPTY;
        }

        @Override
        public void restore(Bytes snapshot) {
        }
    }

    @Test
    void aThrowingServiceStopsTheReplicaAndIsReported() throws Exception {
        try (LocalCluster cluster = LocalCluster.start(4, 1, 1, false, Set.of(0, 1, 2, 3))) {
            for (int i = 0; i < 4; i++) {
                cluster.startReplica(i, new Fragile());
            }
            Client client = cluster.client(1000);
            assertThat(client.invoke(Bytes.utf8("fine")).toUtf8()).isEqualTo("fine");
            client.invokeAsync(Bytes.utf8("boom"));
            int stopped = 0;
            for (Replica replica : cluster.replicas) {
                if (replica.awaitClosed(Duration.ofSeconds(20))) {
                    assertThat(replica.failure()).get().asString().contains("cannot execute boom");
                    stopped++;
                }
            }
            // Every replica that learned the decision executed it and stopped. A quorum must have
            // decided it; a replica the others left behind (they stop right after deciding, and
            // may take their last ACCEPTs with them) can be unable to learn it.
            assertThat(stopped).isGreaterThanOrEqualTo(3);
        }
    }
}
