package io.phalanx.bench.jmh;

import io.phalanx.core.message.Batch;
import io.phalanx.core.message.Bytes;
import io.phalanx.core.message.Digest;
import io.phalanx.core.message.Request;
import io.phalanx.core.message.RequestKind;

import java.util.ArrayList;
import java.util.List;

/** Messages of realistic shape shared by the benchmarks, so each one measures the same values. */
final class Fixtures {
    /** A leader's timestamp; any value serves. */
    static final long TIMESTAMP_MS = 1_764_000_000_000L;

    private Fixtures() {
    }

    /** Request {@code index} of a batch: 16 clients, in sequence, every operation of {@code operationBytes} zero bytes. */
    static Request request(int index, int operationBytes) {
        return new Request(index % 16 + 1, index / 16 + 1, RequestKind.ORDERED, 0, Bytes.copyOf(new byte[operationBytes]));
    }

    static Batch batch(int requests, int operationBytes) {
        List<Request> list = new ArrayList<>(requests);
        for (int i = 0; i < requests; i++) {
            list.add(request(i, operationBytes));
        }
        return new Batch(TIMESTAMP_MS, 0x5eed_5eedL, list);
    }

    /** A digest-shaped value (not the digest of anything). */
    static Digest digest() {
        byte[] value = new byte[Digest.LENGTH];
        for (int i = 0; i < value.length; i++) {
            value[i] = (byte) (i * 7 + 1);
        }
        return new Digest(Bytes.copyOf(value));
    }
}
