package io.phalanx.sim.check;

import io.phalanx.core.message.Request;
import io.phalanx.kv.KvOperation;
import io.phalanx.kv.KvResult;
import io.phalanx.sim.kv.KvWorkload;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.util.List;
import java.util.SplittableRandom;

import static io.phalanx.sim.check.HistoryBuilder.get;
import static io.phalanx.sim.check.HistoryBuilder.incr;
import static io.phalanx.sim.check.HistoryBuilder.ordered;
import static io.phalanx.sim.check.HistoryBuilder.put;
import static io.phalanx.sim.check.HistoryBuilder.unordered;
import static org.assertj.core.api.Assertions.assertThat;

class LinearizabilityCheckerTest {
    private final LinearizabilityChecker checker = LinearizabilityChecker.forKeyValue();

    private final Request putA = ordered(1, 1, put("k", "a"));
    private final Request putB = ordered(2, 1, put("k", "b"));
    private final Request readK = unordered(3, 1, get("k"));

    /** Replicas 0..2 executed PUT(k,a) then PUT(k,b); client 1's PUT completed at 10, client 2's ran 20..30. */
    private HistoryBuilder putAThenPutB() {
        HistoryBuilder h = new HistoryBuilder();
        h.replicas(0, 1, 2).decide(putA).decide(putB);
        return h.completes(putA, 0, 10).completes(putB, 20, 30);
    }

    private static Violation only(List<Violation> violations) {
        assertThat(violations).hasSize(1);
        return violations.get(0);
    }

    @Test
    void sequentialWritesAndReadsPass() {
        HistoryBuilder h = putAThenPutB();
        h.completes(readK, 40, 50, KvResult.value("b"));
        Request orderedRead = ordered(4, 1, get("k"));
        h.replicas(0, 1, 2).decide(orderedRead);
        h.completes(orderedRead, 60, 70);

        assertThat(checker.check(h.build())).isEmpty();
    }

    @Test
    void concurrentPutsMayTakeEffectInEitherOrder() {
        HistoryBuilder h = new HistoryBuilder();
        h.replicas(0, 1, 2).decide(putB).decide(putA);
        h.completes(putA, 0, 30).completes(putB, 5, 25);

        assertThat(checker.check(h.build())).isEmpty();
    }

    @Test
    void staleReadAfterCompletedPutIsFlagged() {
        HistoryBuilder h = putAThenPutB();
        h.completes(readK, 40, 50, KvResult.value("a"));

        Violation violation = only(checker.check(h.build()));

        assertThat(violation.checker()).isEqualTo("linearizability");
        assertThat(violation.description()).startsWith("stale read")
                .contains("c3?1 GET(k)", "invoked at 40ms", "returned 'a'", "k held only ['b']",
                        "from position 1", "must see c2#1 PUT(k, 'b')", "completed at 30ms", "end of the log");
    }

    @Test
    void readConcurrentWithPutMaySeeTheOldOrTheNewValue() {
        HistoryBuilder sawOld = putAThenPutB().completes(readK, 25, 28, KvResult.value("a"));
        HistoryBuilder sawNew = putAThenPutB().completes(readK, 25, 28, KvResult.value("b"));

        assertThat(checker.check(sawOld.build())).isEmpty();
        assertThat(checker.check(sawNew.build())).isEmpty();
    }

    @Test
    void readOfAbsentKeyBeforeAnyWritePasses() {
        HistoryBuilder h = new HistoryBuilder();
        h.completes(readK, 0, 5, KvResult.absent());
        h.replicas(0, 1).decide(putA);
        h.completes(putA, 10, 20);

        assertThat(checker.check(h.build())).isEmpty();
    }

    @Test
    void readThatSawAWriteInvokedAfterItCompletedIsFlagged() {
        HistoryBuilder h = new HistoryBuilder();
        h.replicas(0, 1, 2).decide(putA);
        h.completes(readK, 0, 5, KvResult.value("a")).completes(putA, 10, 20);

        assertThat(only(checker.check(h.build())).description()).startsWith("read from the future")
                .contains("returned 'a'", "held only [absent]", "from the initial state", "to position -1",
                        "must not see c1#1");
    }

    @Test
    void readOfAValueNeverWrittenIsFlagged() {
        HistoryBuilder h = putAThenPutB().completes(readK, 40, 50, KvResult.value("zzz"));

        assertThat(only(checker.check(h.build())).description()).startsWith("read of a value never held")
                .contains("'zzz'");
    }

    @Test
    void lostWriteIsFlagged() {
        Request lost = ordered(5, 1, put("k", "lost"));
        HistoryBuilder h = putAThenPutB().completes(lost, 40, 50, KvResult.value("b"));

        assertThat(only(checker.check(h.build())).description()).startsWith("lost write")
                .contains("client 5 accepted 'b'", "c5#1 PUT(k, 'lost')", "no correct replica executed it",
                        "longest log: replica 0, 2 entries");
    }

    @Test
    void orderedReadAnsweredButNeverExecutedIsAPhantomRead() {
        Request read = ordered(5, 1, get("k"));
        HistoryBuilder h = putAThenPutB().completes(read, 40, 50, KvResult.value("b"));

        assertThat(only(checker.check(h.build())).description()).startsWith("phantom read");
    }

    @Test
    void wrongResultIsFlagged() {
        HistoryBuilder h = new HistoryBuilder();
        h.replicas(0, 1, 2).decide(putA).decide(putB);
        h.completes(putA, 0, 10).completes(putB, 20, 30, KvResult.absent());

        assertThat(only(checker.check(h.build())).description()).startsWith("wrong result")
                .contains("c2#1", "log position 1 (consensusId 1)", "client accepted absent", "executing the log gives 'a'");
    }

    @Test
    void realTimeOrderInversionIsFlagged() {
        HistoryBuilder h = new HistoryBuilder();
        h.replicas(0, 1, 2).decide(putB).decide(putA);
        h.completes(putA, 0, 10).completes(putB, 20, 30);

        assertThat(only(checker.check(h.build())).description()).startsWith("real-time order inversion")
                .contains("c1#1 PUT(k, 'a') (invoked at 0ms, completed at 10ms) completed before c2#1",
                        "c1#1 at position 1, not before c2#1 at position 0");
    }

    @Test
    void pendingOperationExecutedBeforeAnEarlierCompletedOneIsFlagged() {
        HistoryBuilder h = new HistoryBuilder();
        h.replicas(0, 1, 2).decide(putB).decide(putA);
        h.completes(putA, 0, 10).pending(putB, 20);

        assertThat(only(checker.check(h.build())).description()).startsWith("real-time order inversion")
                .contains("c2#1 PUT(k, 'b') (invoked at 20ms, never completed)");
    }

    @Test
    void byzantineReplicaWithALongerDivergentLogIsIgnored() {
        HistoryBuilder h = putAThenPutB();
        h.byzantine(3).decide(putB, putA, ordered(9, 1, put("k", "evil")));
        h.completes(readK, 40, 50, KvResult.value("b"));

        assertThat(checker.check(h.build())).isEmpty();
    }

    @Test
    void replicaResultDifferingFromTheReferenceModelIsFlagged() {
        HistoryBuilder h = new HistoryBuilder();
        h.replica(0).recordExecution(0, putA, KvResult.value("garbage"));
        h.completes(putA, 0, 10, KvResult.absent());

        assertThat(only(checker.check(h.build())).description()).startsWith("result differs from reference model")
                .contains("replica 0", "c1#1", "'garbage'", "reference model gives absent");
    }

    @Test
    void readRetriedAsOrderedIsJudgedByItsOrderedResult() {
        Request retry = ordered(3, 1, get("k"));
        HistoryBuilder h = putAThenPutB();
        h.replicas(0, 1, 2).decide(retry);
        h.add(new ClientOperation(3, retry.operation(), true, List.of(readK.id(), retry.id()), 40, 60, retry.id(),
                KvResult.value("a").encode()));

        assertThat(only(checker.check(h.build())).description()).startsWith("wrong result")
                .contains("c3#1 GET(k)", "executing the log gives 'b'");
    }

    @Test
    void countersFollowTheLog() {
        Request first = ordered(1, 1, incr("n", 2));
        Request second = ordered(2, 1, incr("n", 3));
        HistoryBuilder h = new HistoryBuilder();
        h.replicas(0, 1, 2).decide(first, second);
        h.completes(first, 0, 10).completes(second, 0, 10, new KvResult.Counter(3));

        assertThat(only(checker.check(h.build())).description()).contains("client accepted counter 3",
                "executing the log gives counter 5");
    }

    @Test
    void manyViolationsOfOneKindAreListedUpToTheBoundThenCounted() {
        HistoryBuilder h = new HistoryBuilder();
        for (int client = 1; client <= 30; client++) {
            h.completes(ordered(client, 1, put("k", "x")), 0, 10, KvResult.absent());
        }

        List<Violation> violations = checker.check(h.build());

        assertThat(violations).hasSize(LinearizabilityChecker.REPORTS_PER_KIND_MAX + 1);
        assertThat(violations.get(violations.size() - 1).description())
                .isEqualTo("10 more lost write violations not listed (30 in total)");
    }

    @Test
    @Timeout(30)
    void longGeneratedHistoryPassesAndOneInjectedStaleReadIsFound() {
        HistoryBuilder h = new HistoryBuilder();
        SplittableRandom random = new SplittableRandom(42);
        KvWorkload workload = new KvWorkload();
        for (int i = 0; i < 5000; i++) {
            addSequentialOperation(h, workload.next(random), i, random);
        }
        assertThat(checker.check(h.build())).isEmpty();

        KvResult old = new KvResult.Value(h.replica(0).valueOf("k0"));
        h.replicas(0, 1, 2).decide(ordered(99, 1, put("k0", "new")));
        h.completes(ordered(99, 1, put("k0", "new")), 100_000, 100_001);
        h.completes(unordered(98, 1, get("k0")), 100_002, 100_003, old);
        assertThat(only(checker.check(h.build())).description()).startsWith("stale read").contains("k0");
    }

    /** Operation i of a well-behaved system: client i%4, invoked at 10i, completed at 10i+5. */
    private static void addSequentialOperation(HistoryBuilder h, KvOperation op, int i, SplittableRandom random) {
        long clientId = i % 4;
        long sequence = i / 4 + 1;
        if (op.readOnly() && random.nextBoolean()) {
            KvResult value = new KvResult.Value(h.replica(0).valueOf(op.key()));
            h.completes(unordered(clientId, sequence, op), 10L * i, 10L * i + 5, value);
        } else {
            Request request = ordered(clientId, sequence, op);
            h.replicas(0, 1, 2).decide(request);
            h.completes(request, 10L * i, 10L * i + 5);
        }
    }
}
