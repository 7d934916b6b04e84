package io.phalanx.runtime;

import io.phalanx.core.replica.Counter;
import io.phalanx.kv.KvOperation;
import io.phalanx.runtime.config.Durability;
import io.phalanx.runtime.config.Limits;
import io.phalanx.runtime.storage.ReplicaStorage;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.stream.Stream;

import static io.phalanx.runtime.LocalCluster.counter;
import static io.phalanx.runtime.LocalCluster.op;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * Durability {@code none}: no log, but checkpoint images in files of the data directory, so a
 * state is checkpointed, served and received by state transfer without passing through the heap.
 */
class NoDurabilityTest {
    /** A decision log of 16: a checkpoint every 8 decisions, and a replica 16 behind needs a transfer. */
    private static final Limits SHORT_LOG = new Limits(16 << 20, 4096, 64L << 20, 16, Limits.CLIENTS_MAX_DEFAULT);

    @Test
    void checkpointsAreImageFilesAndARestartedReplicaRecoversItsStateByTransferFromThem() throws Exception {
        try (LocalCluster cluster = LocalCluster.start(4, 1, 1, Durability.none(), SHORT_LOG)) {
            Client client = cluster.client(1000);
            for (int call = 1; call <= 40; call++) {
                client.invoke(op(new KvOperation.Incr("calls", 1)));
            }
            Path images0 = cluster.dataRoot.resolve("replica-0").resolve(ReplicaStorage.SCRATCH_IMAGES);
            LocalCluster.await("replica 0's first checkpoint image", Duration.ofSeconds(10),
                    () -> !images(images0).isEmpty());
            assertThat(images(images0)).hasSizeBetween(1, 2);
            assertThat(images(cluster.dataRoot.resolve("replica-0"))).isEmpty();

            cluster.replicas[3].close();
            Path images3 = cluster.dataRoot.resolve("replica-3").resolve(ReplicaStorage.SCRATCH_IMAGES);
            Files.write(images3.resolve("checkpoint-00000000000000000007.img"), new byte[] {1, 2, 3});
            for (int call = 41; call <= 100; call++) {
                client.invoke(op(new KvOperation.Incr("calls", 1)));
            }
            Replica restarted = cluster.startReplica(3);
            LocalCluster.await("replica 3's state transfer", Duration.ofSeconds(30),
                    () -> restarted.status().counters().getOrDefault(Counter.CHECKPOINT_INSTALLED, 0L) > 0);
            assertThat(images(images3)).isNotEmpty().doesNotContain("checkpoint-00000000000000000007.img");
            // it votes again once the cluster has decided past any vote it may have lost
            long calls = 100;
            long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
            while (restarted.status().recovering() && System.nanoTime() < deadline) {
                assertThat(counter(client.invoke(op(new KvOperation.Incr("calls", 1))))).isEqualTo(++calls);
            }
            assertThat(restarted.status().recovering()).isFalse();

            // its replies now count among the three a call needs, so they match the others': the state it received
            cluster.replicas[1].close();
            assertThat(counter(client.invoke(op(new KvOperation.Incr("calls", 1))))).isEqualTo(calls + 1);
        }
    }

    private static List<String> images(Path dir) {
        if (!Files.isDirectory(dir)) {
            return List.of();
        }
        try (Stream<Path> files = Files.list(dir)) {
            return files.map(file -> file.getFileName().toString()).filter(name -> name.endsWith(".img")).sorted().toList();
        } catch (IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }
}
