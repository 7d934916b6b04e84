package io.phalanx.kv;

import io.phalanx.core.message.Bytes;
import io.phalanx.core.service.ExecutionContext;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.SplittableRandom;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class KeyValueServiceTest {
    private static final ExecutionContext CONTEXT = new ExecutionContext(0, 1000, 7, 1, 1, null);

    private final KeyValueService service = new KeyValueService();

    private KvResult execute(KvOperation op) {
        return execute(service, op);
    }

    private static KvResult execute(KeyValueService target, KvOperation op) {
        return KvResult.decode(target.execute(op.encode(), CONTEXT));
    }

    private KvResult query(KvOperation op) {
        return KvResult.decode(service.query(op.encode()));
    }

    private static KvOperation.Cas cas(String key, String expected, String newValue) {
        return new KvOperation.Cas(key, Optional.ofNullable(expected), newValue);
    }

    @Test
    void putReturnsThePreviousValue() {
        assertThat(execute(new KvOperation.Put("k", "1"))).isEqualTo(KvResult.absent());
        assertThat(execute(new KvOperation.Put("k", "2"))).isEqualTo(KvResult.value("1"));
        assertThat(service.get("k")).contains("2");
    }

    @Test
    void getReturnsTheValueOrAbsent() {
        assertThat(execute(new KvOperation.Get("k"))).isEqualTo(KvResult.absent());
        execute(new KvOperation.Put("k", "v"));
        assertThat(execute(new KvOperation.Get("k"))).isEqualTo(KvResult.value("v"));
    }

    @Test
    void deleteRemovesAndReturnsThePreviousValue() {
        execute(new KvOperation.Put("k", "v"));
        assertThat(execute(new KvOperation.Delete("k"))).isEqualTo(KvResult.value("v"));
        assertThat(execute(new KvOperation.Delete("k"))).isEqualTo(KvResult.absent());
        assertThat(service.size()).isZero();
    }

    @Test
    void casSwapsOnlyWhenTheExpectationMatches() {
        assertThat(execute(cas("k", null, "1"))).isEqualTo(new KvResult.CasResult(true, Optional.of("1")));
        assertThat(execute(cas("k", null, "2"))).isEqualTo(new KvResult.CasResult(false, Optional.of("1")));
        assertThat(execute(cas("k", "9", "2"))).isEqualTo(new KvResult.CasResult(false, Optional.of("1")));
        assertThat(execute(cas("k", "1", "2"))).isEqualTo(new KvResult.CasResult(true, Optional.of("2")));
        assertThat(execute(cas("absent", "1", "2"))).isEqualTo(new KvResult.CasResult(false, Optional.empty()));
        assertThat(service.get("absent")).isEmpty();
    }

    @Test
    void incrTreatsAbsentAsZeroAndStoresDecimal() {
        assertThat(execute(new KvOperation.Incr("n", 5))).isEqualTo(new KvResult.Counter(5));
        assertThat(execute(new KvOperation.Incr("n", -7))).isEqualTo(new KvResult.Counter(-2));
        assertThat(service.get("n")).contains("-2");
    }

    @Test
    void incrOfNonNumericValueIsAnErrorAndChangesNothing() {
        execute(new KvOperation.Put("n", "abc"));
        KvResult result = execute(new KvOperation.Incr("n", 1));
        assertThat(result).isInstanceOf(KvResult.Error.class);
        assertThat(result.toString()).contains("INCR n", "'abc'", "not a decimal integer");
        assertThat(service.get("n")).contains("abc");
    }

    @Test
    void incrThatOverflowsIsAnError() {
        execute(new KvOperation.Put("n", Long.toString(Long.MAX_VALUE)));
        assertThat(execute(new KvOperation.Incr("n", 1)).toString()).contains("overflows");
        assertThat(service.get("n")).contains(Long.toString(Long.MAX_VALUE));
    }

    @Test
    void queryAnswersGets() {
        execute(new KvOperation.Put("k", "v"));
        assertThat(query(new KvOperation.Get("k"))).isEqualTo(KvResult.value("v"));
    }

    @Test
    void queryRefusesEveryWriteWithoutMutating() {
        List<KvOperation> writes = List.of(new KvOperation.Put("k", "x"), new KvOperation.Delete("k"),
                cas("k", null, "x"), new KvOperation.Incr("k", 1));
        execute(new KvOperation.Put("k", "v"));
        Bytes before = service.snapshot();
        for (KvOperation write : writes) {
            assertThat(query(write)).isInstanceOf(KvResult.Error.class)
                    .hasToString("error: query accepts only read-only operations, got " + write);
        }
        assertThat(service.snapshot()).isEqualTo(before);
    }

    @Test
    void malformedOperationBytesGiveAnErrorResultNotAnException() {
        List<Bytes> malformed = List.of(Bytes.EMPTY, Bytes.copyOf(new byte[] {9}), Bytes.copyOf(new byte[] {1, 77}),
                Bytes.copyOf(new byte[] {1, 1, 0, 0, 0, 5, 'k'}), Bytes.copyOf(new byte[] {1, 2, 0, 0, 0, 1, 'k', 0}));
        for (Bytes bytes : malformed) {
            assertThat(KvResult.decode(service.execute(bytes, CONTEXT)).toString()).startsWith("error: malformed operation");
            assertThat(KvResult.decode(service.query(bytes)).toString()).startsWith("error: malformed operation");
        }
        assertThat(service.size()).isZero();
    }

    @Test
    void fullMapRefusesNewKeysButUpdatesExistingOnes() {
        KeyValueService small = new KeyValueService(1);
        execute(small, new KvOperation.Put("a", "1"));
        assertThat(execute(small, new KvOperation.Put("b", "1")).toString()).contains("map is full");
        assertThat(execute(small, new KvOperation.Incr("c", 1))).isInstanceOf(KvResult.Error.class);
        assertThat(execute(small, cas("d", null, "1"))).isInstanceOf(KvResult.Error.class);
        assertThat(execute(small, new KvOperation.Put("a", "2"))).isEqualTo(KvResult.value("1"));
    }

    @Test
    void snapshotRestoreRoundTripGivesAnEqualState() {
        runWorkload(service, new SplittableRandom(1), 500);
        KeyValueService copy = new KeyValueService();
        copy.restore(service.snapshot());
        assertThat(copy.snapshot()).isEqualTo(service.snapshot());
    }

    @Test
    void freshInstanceRestoredFromSnapshotGivesIdenticalSubsequentResults() {
        runWorkload(service, new SplittableRandom(2), 300);
        KeyValueService restored = new KeyValueService();
        restored.restore(service.snapshot());

        List<Bytes> original = runWorkload(service, new SplittableRandom(3), 300);
        List<Bytes> replayed = runWorkload(restored, new SplittableRandom(3), 300);

        assertThat(replayed).isEqualTo(original);
        assertThat(restored.snapshot()).isEqualTo(service.snapshot());
    }

    @Test
    void snapshotDoesNotDependOnInsertionOrder() {
        KeyValueService other = new KeyValueService();
        execute(new KvOperation.Put("a", "1"));
        execute(new KvOperation.Put("b", "2"));
        execute(other, new KvOperation.Put("b", "2"));
        execute(other, new KvOperation.Put("a", "1"));
        assertThat(other.snapshot()).isEqualTo(service.snapshot());
    }

    @Test
    void restoringAMalformedSnapshotThrowsAndKeepsTheState() {
        execute(new KvOperation.Put("a", "1"));
        execute(new KvOperation.Put("b", "2"));
        Bytes good = service.snapshot();
        execute(new KvOperation.Put("c", "3"));
        Bytes before = service.snapshot();

        assertRestoreFails(Bytes.EMPTY, "truncated");
        assertRestoreFails(Bytes.copyOf(new byte[] {2, 0, 0, 0, 0}), "unknown snapshot version 2");
        assertRestoreFails(Bytes.copyOf(good.toArray(), 0, good.length() - 1), "truncated");
        assertRestoreFails(append(good, (byte) 0), "1 trailing bytes");
        assertRestoreFails(Bytes.copyOf(new byte[] {1, (byte) 0xff, 0, 0, 0}), "entry count");
        assertRestoreFails(Bytes.copyOf(new byte[] {1, 0, 0, 0, 1, 0, 0, 0, 1, (byte) 0xc3, 0, 0, 0, 0}), "not valid UTF-8");
        assertRestoreFails(twoEntries("b", "a"), "strictly ascending");
        assertRestoreFails(twoEntries("a", "a"), "strictly ascending");

        assertThat(service.snapshot()).isEqualTo(before);
    }

    @Test
    void snapshotWithMoreEntriesThanTheBoundIsRefused() {
        KeyValueService small = new KeyValueService(1);
        assertThatThrownBy(() -> small.restore(twoEntries("a", "b")))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("entry count");
    }

    private void assertRestoreFails(Bytes snapshot, String reason) {
        assertThatThrownBy(() -> service.restore(snapshot))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageStartingWith("malformed key-value snapshot")
                .hasMessageContaining(reason);
    }

    private static Bytes twoEntries(String first, String second) {
        return new KvCodec.Out().u8(KeyValueService.SNAPSHOT_VERSION).i32(2)
                .string(first, "k", 10).string("v", "v", 10)
                .string(second, "k", 10).string("v", "v", 10).toBytes();
    }

    private static Bytes append(Bytes bytes, byte extra) {
        byte[] longer = new byte[bytes.length() + 1];
        bytes.copyTo(longer, 0);
        longer[bytes.length()] = extra;
        return Bytes.copyOf(longer);
    }

    /**
     * Executes {@code count} random operations of every kind on a few keys, so they conflict and
     * the state they leave depends on their order; values are mostly numbers, so INCR mostly works.
     */
    private static List<Bytes> runWorkload(KeyValueService target, SplittableRandom random, int count) {
        List<Bytes> results = new ArrayList<>();
        for (int i = 0; i < count; i++) {
            results.add(target.execute(randomOperation(random).encode(), CONTEXT));
        }
        return results;
    }

    private static KvOperation randomOperation(SplittableRandom random) {
        String key = "k" + random.nextInt(8);
        String value = random.nextInt(20) == 0 ? "x" : Integer.toString(random.nextInt(16));
        return switch (random.nextInt(5)) {
            case 0 -> new KvOperation.Put(key, value);
            case 1 -> new KvOperation.Get(key);
            case 2 -> new KvOperation.Delete(key);
            case 3 -> cas(key, random.nextInt(4) == 0 ? null : Integer.toString(random.nextInt(16)), value);
            default -> new KvOperation.Incr(key, random.nextInt(-5, 6));
        };
    }
}
