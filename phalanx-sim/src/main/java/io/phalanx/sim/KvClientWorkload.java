package io.phalanx.sim;

import io.phalanx.core.message.Bytes;
import io.phalanx.kv.KvOperation;
import io.phalanx.sim.kv.KvWorkload;

import java.util.SplittableRandom;

/** The key-value workload ({@link KvWorkload}), with a share of its reads sent as read-only queries. */
final class KvClientWorkload implements ClientWorkload {
    private final KvWorkload workload = new KvWorkload();
    private final int readOnlyPercent;

    KvClientWorkload(int readOnlyPercent) {
        this.readOnlyPercent = readOnlyPercent;
    }

    @Override
    public Call next(SplittableRandom random) {
        KvOperation operation = workload.next(random);
        boolean readOnly = operation.readOnly() && random.nextInt(100) < readOnlyPercent;
        return new Call(operation.encode(), readOnly, operation.toString());
    }

    @Override
    public void completed(Bytes operation, Bytes result, long nowMs) {
        // the next key-value call does not depend on earlier results
    }

    @Override
    public String describeResult(Bytes result) {
        return Describe.result(result);
    }
}
