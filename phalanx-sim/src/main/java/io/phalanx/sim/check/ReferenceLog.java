package io.phalanx.sim.check;

import io.phalanx.core.message.Batch;
import io.phalanx.core.message.Bytes;
import io.phalanx.core.message.RequestId;
import io.phalanx.core.service.ExecutionContext;
import io.phalanx.core.service.Service;
import io.phalanx.kv.KvOperation;
import io.phalanx.kv.KvResult;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * The decided log replayed through a fresh reference service: for each position, the request,
 * the result the specification says it should have had, and, per key, the value after every
 * write. The linearizability checker judges clients' results against this, not against what
 * the replicas claimed.
 */
final class ReferenceLog {
    private final ReplicaHistory source;
    private final List<Executed> entries;
    private final List<Bytes> expectedResults = new ArrayList<>();
    private final Map<RequestId, Integer> firstPositions = new HashMap<>();
    private final Map<String, KeyVersions> versions = new HashMap<>();

    private ReferenceLog(ReplicaHistory source) {
        this.source = source;
        this.entries = source == null ? List.of() : source.executions();
    }

    /** Replays {@code source}'s executions (none if null) through {@code reference}. */
    static ReferenceLog replay(ReplicaHistory source, Service reference) {
        ReferenceLog log = new ReferenceLog(source);
        Map<Long, Batch> batches = batchesByInstance(source);
        for (int position = 0; position < log.entries.size(); position++) {
            Executed executed = log.entries.get(position);
            Bytes result = reference.execute(executed.operation(), context(executed, batches.get(executed.consensusId())));
            log.expectedResults.add(result);
            log.firstPositions.putIfAbsent(executed.requestId(), position);
            log.recordWrite(position, executed.operation(), reference);
        }
        return log;
    }

    private static Map<Long, Batch> batchesByInstance(ReplicaHistory source) {
        Map<Long, Batch> batches = new HashMap<>();
        if (source != null) {
            for (Decided decided : source.decisions()) {
                if (decided.batch() != null) {
                    batches.putIfAbsent(decided.consensusId(), decided.batch());
                }
            }
        }
        return batches;
    }

    private static ExecutionContext context(Executed executed, Batch batch) {
        long timestampMs = batch == null ? 0 : batch.timestampMs();
        long nonce = batch == null ? 0 : batch.nonce();
        RequestId id = executed.requestId();
        // The key-value reference reads no view.
        return new ExecutionContext(executed.consensusId(), timestampMs, nonce, id.clientId(), id.sequence(), null);
    }

    /** After a write, asks the reference for the key's value and records it as a version. */
    private void recordWrite(int position, Bytes operation, Service reference) {
        KvOperation op;
        try {
            op = KvOperation.decode(operation);
        } catch (IllegalArgumentException e) {
            return;
        }
        if (op.readOnly()) {
            return;
        }
        KvResult now = KvResult.decode(reference.query(new KvOperation.Get(op.key()).encode()));
        if (now instanceof KvResult.Value value) {
            versions.computeIfAbsent(op.key(), k -> new KeyVersions()).record(position, value.value());
        } else {
            throw new IllegalStateException("reference service answered GET(" + op.key() + ") with " + now);
        }
    }

    /** The replica whose executions form this log, or null if there was none. */
    ReplicaHistory source() {
        return source;
    }

    int size() {
        return entries.size();
    }

    Executed entry(int position) {
        return entries.get(position);
    }

    Bytes expectedResult(int position) {
        return expectedResults.get(position);
    }

    /** The first position of {@code id} in the log, or -1. */
    int positionOf(RequestId id) {
        return firstPositions.getOrDefault(id, -1);
    }

    /** The key's value history; a key never written is absent throughout. */
    KeyVersions versions(String key) {
        return versions.getOrDefault(key, new KeyVersions());
    }

    /** The key's value after positions 0..{@code position}. */
    Optional<String> valueAt(String key, int position) {
        return versions(key).valueAt(position);
    }
}
