package io.phalanx.bench;

import org.junit.jupiter.api.Test;

import java.time.Duration;

import static org.assertj.core.api.Assertions.assertThat;

/** Checks that the measurement runs and yields sane numbers; never how fast anything is. */
class StepThroughputTest {

    @Test
    void everyCallDecidesOneFullBatchAtAllReplicas() {
        // Client signatures on, so every replica really verifies every request (few: cold Ed25519 is slow).
        PumpedCluster cluster = new PumpedCluster(5, 8, Signatures.REPLICAS_AND_CLIENTS);

        assertThat(cluster.orderOneBatch()).as("priming instance holds one request").isEqualTo(1);
        for (int i = 0; i < 8; i++) {
            assertThat(cluster.orderOneBatch()).isEqualTo(5);
        }
        assertThat(cluster.requestsDecided()).isEqualTo(1 + 8 * 5);
        // Each replica signs one ACCEPT per decided instance (WRITEs are unsigned; the open
        // instance has no ACCEPT yet: that needs a quorum of WRITEs). With every replica's ACCEPT
        // in, none is verified (NormalCase#tryDecide).
        assertThat(cluster.replicaSignatures()).isEqualTo(9L * PumpedCluster.REPLICAS);
        assertThat(cluster.replicaVerifications()).isZero();
        assertThat(cluster.clientVerifications()).isGreaterThanOrEqualTo(cluster.requestsDecided() * PumpedCluster.REPLICAS);
    }

    @Test
    void runsForAboutASecondAndReportsAPositiveRate() {
        StepThroughput.Result result = StepThroughput.run(Duration.ofSeconds(1), 100, true);

        assertThat(result.requests()).isPositive();
        assertThat(result.requests() % 100).as("whole batches").isZero();
        assertThat(result.elapsedNanos()).isGreaterThanOrEqualTo(Duration.ofSeconds(1).toNanos());
        assertThat(result.requestsPerSecond()).isPositive().isFinite();
        assertThat(result.requestsPerCpuSecond()).isNotNegative().isFinite();
        assertThat(result.stepNanosPerRequest()).hasSize(PumpedCluster.REPLICAS).allSatisfy(n -> assertThat(n).isPositive());
        // Four replicas share the thread, so one replica alone cannot be slower than all four together.
        assertThat(result.requestsPerSecondPerReplicaCore()).isGreaterThan(result.requestsPerSecond());
        assertThat(result.summary()).contains("requests/s");
    }

    @Test
    void withoutSignaturesToo() {
        StepThroughput.Result result = StepThroughput.run(Duration.ofMillis(300), 1, false);

        assertThat(result.requests()).isPositive();
        assertThat(result.signatures()).isEqualTo(Signatures.NONE);
    }
}
