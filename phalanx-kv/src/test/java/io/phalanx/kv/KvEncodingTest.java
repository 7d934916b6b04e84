package io.phalanx.kv;

import io.phalanx.core.message.Bytes;
import io.phalanx.core.service.ExecutionContext;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.constraints.Size;
import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.Optional;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.catchThrowable;

class KvEncodingTest {

    @Property
    void operationsRoundTrip(@ForAll("operations") KvOperation op) {
        assertThat(KvOperation.decode(op.encode())).isEqualTo(op);
    }

    @Property
    void resultsRoundTrip(@ForAll("results") KvResult result) {
        assertThat(KvResult.decode(result.encode())).isEqualTo(result);
    }

    @Property
    void arbitraryBytesDecodeOrFailWithIllegalArgumentOnly(@ForAll @Size(max = 40) List<Byte> raw) {
        Bytes bytes = toBytes(raw);
        Throwable opFailure = catchThrowable(() -> KvOperation.decode(bytes));
        Throwable resultFailure = catchThrowable(() -> KvResult.decode(bytes));
        assertThat(opFailure).satisfiesAnyOf(t -> assertThat(t).isNull(),
                t -> assertThat(t).isInstanceOf(IllegalArgumentException.class));
        assertThat(resultFailure).satisfiesAnyOf(t -> assertThat(t).isNull(),
                t -> assertThat(t).isInstanceOf(IllegalArgumentException.class));
    }

    @Property
    void serviceNeverThrowsOnArbitraryOperationBytes(@ForAll @Size(max = 40) List<Byte> raw) {
        KeyValueService service = new KeyValueService();
        Bytes bytes = toBytes(raw);
        KvResult.decode(service.execute(bytes, new ExecutionContext(0, 0, 0, 1, 1, null)));
        KvResult.decode(service.query(bytes));
    }

    @Test
    void supplementaryCharactersRoundTrip() {
        KvOperation op = new KvOperation.Put("\uD83D\uDE00key", "\uD83D\uDE00");
        assertThat(KvOperation.decode(op.encode())).isEqualTo(op);
    }

    @Test
    void unpairedSurrogatesAndOversizeKeysAreRefusedAtConstruction() {
        assertThatThrownBy(() -> new KvOperation.Get("\uD83D")).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("not valid Unicode");
        assertThatThrownBy(() -> new KvOperation.Get("k".repeat(KvOperation.KEY_BYTES_MAX + 1)))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("max " + KvOperation.KEY_BYTES_MAX);
    }

    @Test
    void readOnlyIsOnlyGet() {
        assertThat(new KvOperation.Get("k").readOnly()).isTrue();
        assertThat(List.of(new KvOperation.Put("k", "v"), new KvOperation.Delete("k"),
                new KvOperation.Cas("k", Optional.empty(), "v"), new KvOperation.Incr("k", 1)))
                .noneMatch(KvOperation::readOnly);
    }

    @Test
    void resultsPrintReadably() {
        assertThat(KvResult.absent()).hasToString("absent");
        assertThat(KvResult.value("3")).hasToString("'3'");
        assertThat(new KvResult.CasResult(false, Optional.of("1"))).hasToString("CAS failed, now '1'");
        assertThat(new KvResult.Counter(7)).hasToString("counter 7");
        assertThat(new KvResult.Error("boom")).hasToString("error: boom");
        assertThat(new KvOperation.Cas("k", Optional.empty(), "1")).hasToString("CAS(k, expected absent, new '1')");
    }

    @Provide
    Arbitrary<KvOperation> operations() {
        Arbitrary<String> keys = text(30);
        Arbitrary<String> values = text(60);
        return Arbitraries.oneOf(
                Combinators.combine(keys, values).as(KvOperation.Put::new),
                keys.map(KvOperation.Get::new),
                keys.map(KvOperation.Delete::new),
                Combinators.combine(keys, values.optional(), values).as(KvOperation.Cas::new),
                Combinators.combine(keys, Arbitraries.longs()).as(KvOperation.Incr::new));
    }

    @Provide
    Arbitrary<KvResult> results() {
        Arbitrary<String> values = text(60);
        return Arbitraries.oneOf(
                values.optional().map(KvResult.Value::new),
                Combinators.combine(Arbitraries.of(true, false), values.optional()).as(KvResult.CasResult::new),
                Arbitraries.longs().map(KvResult.Counter::new),
                values.map(KvResult.Error::new));
    }

    /** Any BMP text without surrogates (unpaired surrogates are not valid Unicode). */
    private static Arbitrary<String> text(int lengthMax) {
        return Arbitraries.strings().withCharRange('\u0000', '\uD7FF').withCharRange('\uE000', '\uFFFF')
                .ofMaxLength(lengthMax);
    }

    private static Bytes toBytes(List<Byte> raw) {
        byte[] data = new byte[raw.size()];
        for (int i = 0; i < data.length; i++) {
            data[i] = raw.get(i);
        }
        return Bytes.copyOf(data);
    }
}
