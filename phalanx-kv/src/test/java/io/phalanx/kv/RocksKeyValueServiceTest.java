package io.phalanx.kv;

import io.phalanx.core.message.Bytes;
import io.phalanx.core.service.ExecutionContext;
import io.phalanx.core.service.Snapshot;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import java.io.BufferedOutputStream;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.DigestOutputStream;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;
import java.util.SplittableRandom;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class RocksKeyValueServiceTest {
    private static final ExecutionContext CONTEXT = new ExecutionContext(0, 1000, 7, 1, 1, null);

    @TempDir
    Path dir;

    private final List<RocksKeyValueService> opened = new ArrayList<>();

    @AfterEach
    void closeAll() {
        opened.forEach(RocksKeyValueService::close);
    }

    private RocksKeyValueService open(String name, int entriesMax) throws IOException {
        RocksKeyValueService service = RocksKeyValueService.open(dir.resolve(name), entriesMax);
        opened.add(service);
        return service;
    }

    private RocksKeyValueService open(String name) throws IOException {
        return open(name, KeyValueService.ENTRIES_MAX_DEFAULT);
    }

    private static KvResult execute(io.phalanx.core.service.Service target, KvOperation op) {
        return KvResult.decode(target.execute(op.encode(), CONTEXT));
    }

    @Test
    void randomOperationsGiveTheSameResultsAndSnapshotAsTheInMemoryService() throws IOException {
        int entriesMax = 12;
        KeyValueService memory = new KeyValueService(entriesMax);
        RocksKeyValueService rocks = open("db", entriesMax);
        SplittableRandom random = new SplittableRandom(42);
        for (int i = 0; i < 5_000; i++) {
            Bytes op = randomOperation(random).encode();
            if (random.nextInt(10) == 0) {
                assertThat(rocks.query(op)).as("query %d", i).isEqualTo(memory.query(op));
            } else {
                assertThat(rocks.execute(op, CONTEXT)).as("operation %d", i).isEqualTo(memory.execute(op, CONTEXT));
            }
        }
        Bytes malformed = Bytes.copyOf(new byte[] {1, 77});
        assertThat(rocks.execute(malformed, CONTEXT)).isEqualTo(memory.execute(malformed, CONTEXT));
        assertThat(rocks.size()).isEqualTo(memory.size());
        assertThat(rocks.snapshot()).isEqualTo(memory.snapshot());
    }

    @Test
    void keysAreOrderedAsJavaStringsNotAsUtf8Bytes() throws IOException {
        KeyValueService memory = new KeyValueService();
        RocksKeyValueService rocks = open("db");
        for (String key : List.of("\uFFFF", "\uD83D\uDE00", "a", "\u00E9", "", "ab")) {
            execute(memory, new KvOperation.Put(key, "v" + key));
            execute(rocks, new KvOperation.Put(key, "v" + key));
        }
        assertThat(rocks.snapshot()).isEqualTo(memory.snapshot());
        KeyValueService copy = new KeyValueService();
        copy.restore(rocks.snapshot());
        assertThat(copy.get("\uD83D\uDE00")).contains("v\uD83D\uDE00");
    }

    @Test
    void eachServiceRestoresTheOthersSnapshots() throws IOException {
        KeyValueService memory = new KeyValueService();
        RocksKeyValueService rocks = open("db");
        runWorkload(memory, new SplittableRandom(1), 500);
        rocks.restore(new ByteArrayInputStream(memory.snapshot().toArray()));
        assertThat(rocks.snapshot()).isEqualTo(memory.snapshot());

        runWorkload(rocks, new SplittableRandom(2), 500);
        KeyValueService back = new KeyValueService();
        back.restore(rocks.snapshot());
        assertThat(back.snapshot()).isEqualTo(rocks.snapshot());
        assertThat(runWorkload(back, new SplittableRandom(3), 300)).isEqualTo(runWorkload(rocks, new SplittableRandom(3), 300));
    }

    @Test
    void anOpenSnapshotWritesTheCapturedStateWhileWritesGoOnOnAnotherThread() throws Exception {
        RocksKeyValueService rocks = open("db");
        for (int i = 0; i < 2_000; i++) {
            execute(rocks, new KvOperation.Put(String.format("k%05d", i), "v" + i));
        }
        Bytes captured = rocks.snapshot();
        try (Snapshot snapshot = rocks.openSnapshot()) {
            CountDownLatch writing = new CountDownLatch(1);
            CompletableFuture<byte[]> written = CompletableFuture.supplyAsync(() -> {
                ByteArrayOutputStream out = new ByteArrayOutputStream();
                writing.countDown();
                try {
                    snapshot.writeTo(out);
                } catch (IOException e) {
                    throw new RuntimeException(e);
                }
                return out.toByteArray();
            });
            writing.await();
            for (int i = 0; i < 2_000; i++) {
                execute(rocks, new KvOperation.Delete(String.format("k%05d", i)));
                execute(rocks, new KvOperation.Put(String.format("new%05d", i), "x"));
            }
            assertThat(written.get(20, TimeUnit.SECONDS)).isEqualTo(captured.toArray());
        }
        assertThat(rocks.size()).isEqualTo(2_000);
        assertThat(rocks.get("k00000")).isEmpty();
    }

    @Test
    void restoreReplacesTheWholeState() throws IOException {
        RocksKeyValueService rocks = open("db");
        execute(rocks, new KvOperation.Put("a", "1"));
        execute(rocks, new KvOperation.Put("b", "2"));
        Bytes snapshot = rocks.snapshot();
        execute(rocks, new KvOperation.Put("c", "3"));
        execute(rocks, new KvOperation.Put("a", "changed"));

        rocks.restore(new ByteArrayInputStream(snapshot.toArray()));

        assertThat(rocks.get("c")).isEmpty();
        assertThat(rocks.get("a")).contains("1");
        assertThat(rocks.size()).isEqualTo(2);
        assertThat(rocks.snapshot()).isEqualTo(snapshot);
        assertThat(execute(rocks, new KvOperation.Put("c", "4"))).isEqualTo(KvResult.absent());
    }

    @Test
    void aRestoredStateSurvivesCloseAndReopen() throws IOException {
        KeyValueService memory = new KeyValueService();
        runWorkload(memory, new SplittableRandom(4), 400);
        RocksKeyValueService rocks = open("db");
        runWorkload(rocks, new SplittableRandom(5), 400);
        rocks.restore(memory.snapshot());
        rocks.close();

        RocksKeyValueService reopened = open("db");
        assertThat(reopened.snapshot()).isEqualTo(memory.snapshot());
        assertThat(reopened.size()).isEqualTo(memory.size());
        assertThat(runWorkload(reopened, new SplittableRandom(6), 300)).isEqualTo(runWorkload(memory, new SplittableRandom(6), 300));
    }

    @Test
    void theEntryCountSurvivesReopenAndTheBoundHolds() throws IOException {
        RocksKeyValueService rocks = open("db", 3);
        for (String key : List.of("a", "b", "c")) {
            execute(rocks, new KvOperation.Put(key, "1"));
        }
        assertThat(execute(rocks, new KvOperation.Put("d", "1")).toString()).contains("map is full (3 keys)");
        rocks.close();

        RocksKeyValueService reopened = open("db", 3);
        assertThat(reopened.size()).isEqualTo(3);
        assertThat(execute(reopened, new KvOperation.Incr("d", 1))).isInstanceOf(KvResult.Error.class);
        assertThat(execute(reopened, new KvOperation.Put("a", "2"))).isEqualTo(KvResult.value("1"));
        assertThat(execute(reopened, new KvOperation.Delete("a"))).isEqualTo(KvResult.value("2"));
        assertThat(execute(reopened, new KvOperation.Put("d", "1"))).isEqualTo(KvResult.absent());
        reopened.close();

        RocksKeyValueService again = open("db", 3);
        assertThat(again.size()).isEqualTo(3);
        assertThat(again.get("a")).isEmpty();
        assertThat(execute(again, new KvOperation.Put("e", "1")).toString()).contains("map is full");
    }

    @Test
    @Timeout(60)
    void aFiftyMegabyteStateStreamsThroughWriteToAndRestore() throws Exception {
        RocksKeyValueService source = open("source");
        char[] filler = new char[1_000];
        for (int i = 0; i < 50_000; i++) {
            Arrays.fill(filler, (char) ('a' + i % 26));
            execute(source, new KvOperation.Put(String.format("key%08d", i), new String(filler)));
        }
        Path file = dir.resolve("snapshot.bin");
        byte[] sourceDigest;
        try (Snapshot snapshot = source.openSnapshot(); OutputStream out = Files.newOutputStream(file)) {
            sourceDigest = digestOf(snapshot);
            snapshot.writeTo(out);
        }
        assertThat(Files.size(file)).isGreaterThan(50_000_000L);

        RocksKeyValueService target = open("target");
        execute(target, new KvOperation.Put("stale", "x"));
        try (InputStream in = Files.newInputStream(file)) {
            target.restore(in);
        }
        assertThat(target.size()).isEqualTo(50_000);
        assertThat(target.get("stale")).isEmpty();
        try (Snapshot snapshot = target.openSnapshot()) {
            assertThat(digestOf(snapshot)).isEqualTo(sourceDigest);
        }
    }

    @Test
    void aMalformedStreamIsRejectedWithItsReason() throws IOException {
        RocksKeyValueService rocks = open("db");
        execute(rocks, new KvOperation.Put("a", "1"));
        Bytes good = rocks.snapshot();

        assertRestoreFails(rocks, new byte[] {2, 0, 0, 0, 0}, "unknown snapshot version 2");
        assertRestoreFails(rocks, new byte[] {1, 0, 0, 0}, "truncated: entry count");
        assertThat(rocks.get("a")).as("a bad header changes nothing").contains("1");

        assertRestoreFails(rocks, Arrays.copyOf(good.toArray(), good.length() - 1), "truncated: value of entry 0");
        assertThatThrownBy(() -> rocks.get("a")).isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("interrupted restore");
        assertRestoreFails(rocks, Arrays.copyOf(good.toArray(), good.length() + 1), "1 trailing bytes");
        assertRestoreFails(rocks, twoEntries("b", "a"), "strictly ascending order at entry 1");
        rocks.close();

        RocksKeyValueService reopened = open("db");
        assertThatThrownBy(() -> execute(reopened, new KvOperation.Get("a"))).isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("restore a snapshot first");
        reopened.restore(good);
        assertThat(reopened.get("a")).contains("1");
    }

    @Test
    void closingTheServiceReleasesAnUnwrittenSnapshot() throws IOException {
        RocksKeyValueService rocks = open("db");
        execute(rocks, new KvOperation.Put("a", "1"));
        Snapshot snapshot = rocks.openSnapshot();
        rocks.close();
        assertThatThrownBy(() -> snapshot.writeTo(new ByteArrayOutputStream())).isInstanceOf(IOException.class)
                .hasMessageContaining("closed with its service");
        snapshot.close();
        assertThatThrownBy(() -> rocks.execute(new KvOperation.Get("a").encode(), CONTEXT))
                .isInstanceOf(IllegalStateException.class).hasMessageContaining("closed");
    }

    @Test
    void closingTheServiceStopsASnapshotBeingWritten() throws Exception {
        RocksKeyValueService rocks = open("db");
        for (int i = 0; i < 1_000; i++) {
            execute(rocks, new KvOperation.Put("k" + i, "v".repeat(1_000)));
        }
        Snapshot snapshot = rocks.openSnapshot();
        CountDownLatch firstWrite = new CountDownLatch(1);
        CountDownLatch proceed = new CountDownLatch(1);
        OutputStream stalling = new OutputStream() {
            @Override
            public void write(int b) {
                write(new byte[] {(byte) b}, 0, 1);
            }

            @Override
            public void write(byte[] b, int off, int len) {
                firstWrite.countDown();
                try {
                    proceed.await();
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
            }
        };
        AtomicReference<Throwable> writeFailure = new AtomicReference<>();
        Thread writer = new Thread(() -> {
            try {
                snapshot.writeTo(stalling);
            } catch (Throwable t) {
                writeFailure.set(t);
            }
        });
        writer.start();
        firstWrite.await();
        Thread closer = new Thread(rocks::close);
        closer.start();
        while (closer.getState() != Thread.State.WAITING && closer.isAlive()) {
            Thread.onSpinWait();
        }
        proceed.countDown();
        writer.join(10_000);
        closer.join(10_000);
        assertThat(closer.isAlive()).isFalse();
        assertThat(writeFailure.get()).isInstanceOf(IOException.class).hasMessageContaining("closed with its service");
    }

    private static void assertRestoreFails(RocksKeyValueService rocks, byte[] stream, String reason) {
        assertThatThrownBy(() -> rocks.restore(new ByteArrayInputStream(stream)))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageStartingWith("malformed key-value snapshot")
                .hasMessageContaining(reason);
    }

    private static byte[] twoEntries(String first, String second) {
        return new KvCodec.Out().u8(KeyValueService.SNAPSHOT_VERSION).i32(2)
                .string(first, "k", 10).string("v", "v", 10)
                .string(second, "k", 10).string("v", "v", 10).toBytes().toArray();
    }

    private static byte[] digestOf(Snapshot snapshot) throws IOException, NoSuchAlgorithmException {
        MessageDigest sha256 = MessageDigest.getInstance("SHA-256");
        try (OutputStream out = new BufferedOutputStream(new DigestOutputStream(OutputStream.nullOutputStream(), sha256))) {
            snapshot.writeTo(out);
        }
        return sha256.digest();
    }

    private static List<Bytes> runWorkload(io.phalanx.core.service.Service target, SplittableRandom random, int count) {
        List<Bytes> results = new ArrayList<>();
        for (int i = 0; i < count; i++) {
            results.add(target.execute(randomOperation(random).encode(), CONTEXT));
        }
        return results;
    }

    /**
     * Operations of every kind on a few keys (some outside the Basic Multilingual Plane, some
     * just below its end, whose orders differ in UTF-8 and UTF-16), mostly numeric values so
     * INCR mostly works, and enough distinct keys to fill a small map.
     */
    private static KvOperation randomOperation(SplittableRandom random) {
        String key = switch (random.nextInt(10)) {
            case 0 -> "\uD83D\uDE00" + random.nextInt(3);
            case 1 -> "\uFFFD" + random.nextInt(3);
            default -> "k" + random.nextInt(16);
        };
        String value = random.nextInt(20) == 0 ? "x" : Integer.toString(random.nextInt(16));
        return switch (random.nextInt(5)) {
            case 0 -> new KvOperation.Put(key, value);
            case 1 -> new KvOperation.Get(key);
            case 2 -> new KvOperation.Delete(key);
            case 3 -> new KvOperation.Cas(key,
                    random.nextInt(4) == 0 ? Optional.empty() : Optional.of(Integer.toString(random.nextInt(16))), value);
            default -> new KvOperation.Incr(key, random.nextInt(-5, 6));
        };
    }
}
