package io.phalanx.sim.check;

import io.phalanx.core.crypto.Digests;
import io.phalanx.core.message.Batch;
import io.phalanx.core.message.Bytes;
import io.phalanx.core.message.Digest;
import io.phalanx.core.message.Request;
import io.phalanx.core.message.RequestId;
import io.phalanx.core.message.RequestKind;
import io.phalanx.core.service.ExecutionContext;
import io.phalanx.kv.KeyValueService;
import io.phalanx.kv.KvOperation;
import io.phalanx.kv.KvResult;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * Builds hand-made histories for checker tests so that a test reads like its scenario:
 * replicas decide batches (and execute them on their own key-value service, so results are
 * real unless a test overrides them), and clients invoke and complete operations at given times.
 */
final class HistoryBuilder {
    private final Map<Integer, ReplicaBuilder> replicas = new LinkedHashMap<>();
    /** Earlier incarnations of restarted replicas. */
    private final List<ReplicaBuilder> retired = new ArrayList<>();
    private final List<ClientOperation> operations = new ArrayList<>();

    static Request ordered(long clientId, long sequence, KvOperation op) {
        return new Request(clientId, sequence, RequestKind.ORDERED, 0, op.encode());
    }

    static Request unordered(long clientId, long sequence, KvOperation op) {
        return new Request(clientId, sequence, RequestKind.UNORDERED, 0, op.encode());
    }

    static KvOperation put(String key, String value) {
        return new KvOperation.Put(key, value);
    }

    static KvOperation get(String key) {
        return new KvOperation.Get(key);
    }

    static KvOperation incr(String key, long delta) {
        return new KvOperation.Incr(key, delta);
    }

    /** A correct replica (created on first mention). */
    ReplicaBuilder replica(int id) {
        return replicas.computeIfAbsent(id, i -> new ReplicaBuilder(i, true));
    }

    /** A replica the simulator made Byzantine (created on first mention). */
    ReplicaBuilder byzantine(int id) {
        return replicas.computeIfAbsent(id, i -> new ReplicaBuilder(i, false));
    }

    /** Replica {@code id} loses its memory: its next mentions are a new, empty incarnation. */
    ReplicaBuilder restart(int id) {
        ReplicaBuilder old = replica(id);
        retired.add(old);
        ReplicaBuilder next = new ReplicaBuilder(id, old.correct, old.incarnation + 1);
        replicas.put(id, next);
        return next;
    }

    /** Correct replicas {@code ids} acting in lockstep. */
    Group replicas(int... ids) {
        return new Group(Arrays.stream(ids).mapToObj(this::replica).toList());
    }

    /** A client operation that completed with the result the first correct replica executing it got. */
    HistoryBuilder completes(Request request, long invokedAtMs, long completedAtMs) {
        return completes(request, invokedAtMs, completedAtMs, executedResult(request.id()));
    }

    /** A client operation that completed with {@code result}. */
    HistoryBuilder completes(Request request, long invokedAtMs, long completedAtMs, KvResult result) {
        return add(new ClientOperation(request.clientId(), request.operation(), request.kind() == RequestKind.UNORDERED,
                List.of(request.id()), invokedAtMs, completedAtMs, request.id(), result.encode()));
    }

    /** A client operation that never completed. */
    HistoryBuilder pending(Request request, long invokedAtMs) {
        return add(new ClientOperation(request.clientId(), request.operation(), request.kind() == RequestKind.UNORDERED,
                List.of(request.id()), invokedAtMs, -1, null, null));
    }

    HistoryBuilder add(ClientOperation op) {
        operations.add(op);
        return this;
    }

    History build() {
        List<ReplicaHistory> all = new ArrayList<>();
        retired.forEach(r -> all.add(r.build()));
        replicas.values().forEach(r -> all.add(r.build()));
        return new History(all, operations);
    }

    private KvResult executedResult(RequestId id) {
        for (ReplicaBuilder replica : replicas.values()) {
            Bytes result = replica.firstResults.get(id);
            if (replica.correct && result != null) {
                return KvResult.decode(result);
            }
        }
        throw new IllegalStateException("no correct replica executed " + id + "; give the result explicitly");
    }

    /** Several replicas doing the same thing. */
    static final class Group {
        private final List<ReplicaBuilder> members;

        private Group(List<ReplicaBuilder> members) {
            this.members = members;
        }

        Group decide(Request... requests) {
            members.forEach(m -> m.decide(requests));
            return this;
        }
    }

    /** One replica's decisions and executions. */
    static final class ReplicaBuilder {
        private final int id;
        private final boolean correct;
        private final int incarnation;
        private final KeyValueService service = new KeyValueService();
        private final List<Decided> decisions = new ArrayList<>();
        private final List<Executed> executions = new ArrayList<>();
        private final List<Restored> restores = new ArrayList<>();
        private final List<Checkpointed> checkpoints = new ArrayList<>();
        private final List<Vote> votes = new ArrayList<>();
        private final Map<RequestId, Bytes> firstResults = new HashMap<>();
        private long nextConsensusId;

        private ReplicaBuilder(int id, boolean correct) {
            this(id, correct, 0);
        }

        private ReplicaBuilder(int id, boolean correct, int incarnation) {
            this.id = id;
            this.correct = correct;
            this.incarnation = incarnation;
        }

        /**
         * Jumps to the state {@code source} holds now, as after consensus instance {@code consensusId}
         * (state transfer of a checkpoint with {@code digest}); it decides {@code consensusId + 1} next.
         */
        ReplicaBuilder restoreFrom(ReplicaBuilder source, long consensusId, Digest digest) {
            service.restore(source.service.snapshot());
            restores.add(new Restored(consensusId, digest, decisions.size(), executions.size()));
            checkpoints.add(new Checkpointed(consensusId, digest, true));
            nextConsensusId = consensusId + 1;
            return this;
        }

        /** Takes a checkpoint after {@code consensusId} with {@code digest}. */
        ReplicaBuilder checkpoint(long consensusId, Digest digest) {
            checkpoints.add(new Checkpointed(consensusId, digest, false));
            return this;
        }

        /** Sends a PROPOSE, WRITE or ACCEPT for {@code digest} in ({@code consensusId}, {@code epoch}). */
        ReplicaBuilder vote(Vote.Kind kind, long consensusId, int epoch, Digest digest) {
            votes.add(new Vote(kind, consensusId, epoch, digest));
            return this;
        }

        /** Decides the next consensus instance and executes its requests in order. */
        ReplicaBuilder decide(Request... requests) {
            return decideAs(nextConsensusId, requests);
        }

        /** Decides instance {@code consensusId} (whatever came before) and executes its requests. */
        ReplicaBuilder decideAs(long consensusId, Request... requests) {
            Batch batch = new Batch(1000 + consensusId, consensusId, List.of(requests));
            decisions.add(new Decided(consensusId, Digests.ofBatch(batch), batch));
            nextConsensusId = consensusId + 1;
            for (Request request : requests) {
                Bytes result = service.execute(request.operation(),
                        new ExecutionContext(consensusId, batch.timestampMs(), batch.nonce(), request.clientId(), request.sequence(), null));
                execution(new Executed(consensusId, request.id(), request.operation(), result));
            }
            return this;
        }

        /** Records a decision exactly as given (e.g. with a digest that does not match the batch). */
        ReplicaBuilder recordDecision(Decided decided) {
            decisions.add(decided);
            return this;
        }

        /** Records an execution exactly as given, without a decision or touching the service. */
        ReplicaBuilder recordExecution(long consensusId, Request request, KvResult result) {
            execution(new Executed(consensusId, request.id(), request.operation(), result.encode()));
            return this;
        }

        private void execution(Executed executed) {
            executions.add(executed);
            firstResults.putIfAbsent(executed.requestId(), executed.result());
        }

        Optional<String> valueOf(String key) {
            return service.get(key);
        }

        ReplicaHistory build() {
            return new ReplicaHistory(id, incarnation, correct, decisions, executions, restores, checkpoints, votes);
        }
    }
}
