package io.phalanx.bench.process;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.LocalTime;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * What {@code bench state-transfer} reads: byte counts as typed, a replica's log (status lines
 * and state-transfer lines, as the replica writes them) and a JVM's GC log.
 */
class StateTransferParsingTest {

    @Test
    void byteCountsTakeBinarySuffixes() {
        assertThat(ByteSize.parse("2097152")).isEqualTo(2L << 20);
        assertThat(ByteSize.parse("512k")).isEqualTo(512L << 10);
        assertThat(ByteSize.parse("64m")).isEqualTo(64L << 20);
        assertThat(ByteSize.parse("64MiB")).isEqualTo(64L << 20);
        assertThat(ByteSize.parse("1G")).isEqualTo(1L << 30);
        assertThatThrownBy(() -> ByteSize.parse("64x")).hasMessageContaining("not a byte count");
        assertThatThrownBy(() -> ByteSize.parse("-1m")).hasMessageContaining("not a byte count");
        assertThatThrownBy(() -> ByteSize.parse("99999999999999t")).hasMessageContaining("too large");
    }

    @Test
    void aRestartedReplicasLogGivesItsTransferAndWhenItVotesAgain() {
        String log = """
                14:15:04.046 INFO  [main] Replica - replica 3 started: BFT n=4 f=1, mesh 127.0.0.1:28800
                14:15:06.843 WARN  [phalanx-replica-3-io-1-1] ProtocolLoop - replica 3: the decisions after -1 are gone from its peers' decision logs: state transfer of checkpoint 511 started
                14:15:06.884 INFO  [main] ReplicaCommand - status: replica 3 (follower of r0): regency 0, decided -1, executed -1, pending 0, RECOVERING (not voting yet), CATCHING UP: 566 decisions behind, STATE TRANSFER of checkpoint 511: 1/3 chunks
                14:15:08.191 INFO  [phalanx-replica-3-io-1-1] ProtocolLoop - replica 3: state transfer ended at consensus id 511
                14:15:09.000 ERROR [main] Something - went wrong
                java.lang.IllegalStateException: a stack trace line
                14:15:09.812 INFO  [main] ReplicaCommand - status: replica 3 (follower of r0): regency 0, decided 631, executed 631, pending 0
                14:15:10.012 INFO  [main] ReplicaCommand - status: replica 3 (follower of r0): regency 0, decided 640, exec""";
        ReplicaLog parsed = ReplicaLog.parse(log, LocalTime.of(14, 15, 4));

        assertThat(parsed.transferStartedMs()).hasValue(2_843);
        assertThat(parsed.transferCheckpoint()).isEqualTo(511);
        assertThat(parsed.transferEndedMs()).hasValue(4_191);
        assertThat(parsed.errors()).hasSize(1);
        // The last line is still being written: left out.
        assertThat(parsed.statuses()).hasSize(2);
        ReplicaLog.Status during = parsed.statuses().get(0);
        assertThat(during.atMs()).isEqualTo(2_884);
        assertThat(during.voting()).isFalse();
        assertThat(during.chunksIn()).isEqualTo(1);
        assertThat(during.chunks()).isEqualTo(3);
        assertThat(during.flags()).startsWith("RECOVERING");
        ReplicaLog.Status back = parsed.latest().orElseThrow();
        assertThat(back.voting()).isTrue();
        assertThat(back.decided()).isEqualTo(631);
        assertThat(back.chunks()).isEqualTo(-1);
        assertThat(back.flags()).isEmpty();
    }

    @Test
    void aTransferGivenUpOrReplacedByANewerCheckpointCountsUntilOneEndsWithAState() {
        String log = """
                10:00:01.000 WARN  [io] ProtocolLoop - replica 3: the decisions after -1 are gone from its peers' decision logs: state transfer of checkpoint 511 started
                10:00:03.000 INFO  [io] ProtocolLoop - replica 3: state transfer ended at consensus id -1
                10:00:04.000 WARN  [io] ProtocolLoop - replica 3: the decisions after -1 are gone from its peers' decision logs: state transfer of checkpoint 767 started
                10:00:09.500 INFO  [io] ProtocolLoop - replica 3: state transfer ended at consensus id 767
                10:00:20.000 WARN  [io] ProtocolLoop - replica 3: the decisions after 800 are gone from its peers' decision logs: state transfer of checkpoint 1023 started
                """;
        ReplicaLog parsed = ReplicaLog.parse(log, LocalTime.of(10, 0));
        assertThat(parsed.transferStartedMs()).hasValue(1_000);
        assertThat(parsed.transferEndedMs()).hasValue(9_500);
        assertThat(parsed.transferCheckpoint()).isEqualTo(767);
    }

    @Test
    void timesAcrossMidnightCountTheShortWay() {
        assertThat(ReplicaLog.millisAfter(LocalTime.of(23, 59, 59), LocalTime.of(0, 0, 1))).isEqualTo(2_000);
        assertThat(ReplicaLog.millisAfter(LocalTime.of(0, 0, 1), LocalTime.of(23, 59, 59))).isEqualTo(-2_000);
    }

    @Test
    void theGcLogGivesThePeakBeforeAndAfterCollectionsAndTheMaximumHeap() {
        GcLog gc = GcLog.parse("""
                [0.043s] Using G1
                [0.153s] Heap Max Capacity: 256M
                [1.105s] GC(0) Pause Young (Normal) (G1 Evacuation Pause) 14M->4M(256M) 11.827ms
                [9.227s] GC(4) Concurrent Mark Cycle
                [9.419s] GC(4) Pause Remark 11M->11M(256M) 11.406ms
                [12.5s] GC(5) Pause Young (Concurrent Start) (G1 Humongous Allocation) 190M->120M(256M) 20.1ms
                [14.0s] GC(6) Pause Full (G1 Compaction Pause) 1048576K->512000K(1G) 900.0ms
                """);
        assertThat(gc.heapMaxMib()).hasValue(256);
        assertThat(gc.collections()).hasSize(4);
        assertThat(gc.peakMib(13)).isEqualTo(190);
        assertThat(gc.peakMib()).isEqualTo(1024);
        assertThat(gc.peakAfterMib()).isEqualTo(500);
        assertThat(GcLog.heapInfoUsedMib("""
                5819:
                 garbage-first heap   total 262144K, used 5120K [0x00000000f0000000, 0x0000000100000000)
                  region size 1024K, 3 young (3072K), 2 survivors (2048K)
                """)).hasValue(5);
    }

    @Test
    void theNewestCheckpointIsFoundByItsFileName(@TempDir Path data) throws Exception {
        assertThat(StateTransferBench.newestCheckpoint(data.resolve("absent"))).isEqualTo(-1);
        Files.writeString(data.resolve("checkpoint-00000000000000000255.ckpt"), "");
        Files.writeString(data.resolve("checkpoint-00000000000000000511.ckpt"), "");
        Files.writeString(data.resolve("log-0000000000000001.seg"), "");
        assertThat(StateTransferBench.newestCheckpoint(data)).isEqualTo(511);
    }

    @Test
    void optionsTakeEitherKeyValueServiceWithinItsBoundOnKeys(@TempDir Path run) {
        for (String service : StateTransferBench.SERVICES) {
            StateTransferBench.Options options = new StateTransferBench.Options(service, 1L << 30, 4096, "256m", 1, 50,
                    run, "Main");
            assertThat(options.service()).isEqualTo(service);
            assertThat(StateFiller.keysFor(options.stateBytes(), options.valueBytes())).isEqualTo(262_144);
            assertThatThrownBy(() -> new StateTransferBench.Options(service, 1L << 30, 1024, "256m", 1, 50, run,
                    "Main")).hasMessageContaining("needs 1048576 keys").hasMessageContaining("(" + service + ")");
        }
        assertThatThrownBy(() -> new StateTransferBench.Options("noop", 1L << 20, 1024, "256m", 1, 50, run, "Main"))
                .hasMessageContaining("--service must be kv or kv-rocksdb");
        assertThatThrownBy(() -> new StateTransferBench.Options("kv-rocksdb", 1L << 20, 65 * 1024, "256m", 1, 50, run,
                "Main")).hasMessageContaining("--value-bytes must be within 1..65536");
    }

    @Test
    void aFillWritesExactlyTheStateSize() {
        assertThat(StateFiller.keysFor(2L << 20, 1024)).isEqualTo(2048);
        assertThat(StateFiller.keysFor(1000, 300)).isEqualTo(4); // 300 + 300 + 300 + 100
        assertThat(StateFiller.value(7, 1024)).hasSize(1024).isEqualTo(StateFiller.value(7, 1024))
                .isNotEqualTo(StateFiller.value(8, 1024)).matches("[A-Za-z0-9_-]+");
        assertThat(StateFiller.key(12)).isEqualTo("state-00000012");
        // At most 128 KiB of values in flight: the replicas keep the last 1,024 batches on the heap.
        assertThat(StateTransferBench.fillOutstanding(1024)).isEqualTo(128);
        assertThat(StateTransferBench.fillOutstanding(4096)).isEqualTo(32);
        assertThat(StateTransferBench.fillOutstanding(65536)).isEqualTo(2);
    }
}
