package io.phalanx.sim.check;

import io.phalanx.core.message.Request;
import io.phalanx.core.message.RequestKind;
import io.phalanx.kv.KvResult;
import org.junit.jupiter.api.Test;

import java.util.List;

import static io.phalanx.sim.check.HistoryBuilder.get;
import static io.phalanx.sim.check.HistoryBuilder.ordered;
import static io.phalanx.sim.check.HistoryBuilder.put;
import static io.phalanx.sim.check.HistoryBuilder.unordered;
import static org.assertj.core.api.Assertions.assertThat;

class ExactlyOnceCheckerTest {
    private final ExactlyOnceChecker checker = new ExactlyOnceChecker();

    private final Request a = ordered(1, 1, put("k", "a"));
    private final Request b = ordered(2, 1, put("k", "b"));

    @Test
    void eachSentRequestExecutedOncePasses() {
        HistoryBuilder h = new HistoryBuilder();
        h.replicas(0, 1, 2).decide(a).decide(b);
        h.completes(a, 0, 10).completes(b, 5, 20);

        assertThat(checker.check(h.build())).isEmpty();
    }

    @Test
    void requestExecutedTwiceIsFlagged() {
        HistoryBuilder h = new HistoryBuilder();
        h.replicas(0, 1).decide(a).decide(b);
        h.replica(2).decide(a).decide(b, a);
        h.completes(a, 0, 10).completes(b, 5, 20);

        assertThat(checker.check(h.build())).singleElement().satisfies(v -> assertThat(v.description())
                .contains("replica 2 executed c1#1 more than once", "position 0 (consensusId 0)",
                        "position 2 (consensusId 1)"));
    }

    @Test
    void forgedRequestExecutedIsFlaggedOnceNamingEveryReplica() {
        Request forged = ordered(9, 1, put("k", "evil"));
        HistoryBuilder h = new HistoryBuilder();
        h.replicas(0, 1, 2).decide(a).decide(forged);
        h.completes(a, 0, 10);

        List<Violation> violations = checker.check(h.build());

        assertThat(violations).singleElement().satisfies(v -> assertThat(v.description())
                .contains("forged request", "replicas [0, 1, 2]", "c9#1", "PUT(k, 'evil')", "no client ever sent"));
    }

    @Test
    void requestExecutedWithOtherBytesThanTheClientSentIsFlagged() {
        Request altered = new Request(1, 1, RequestKind.ORDERED, 0, put("k", "tampered").encode());
        HistoryBuilder h = new HistoryBuilder();
        h.replica(0).decide(altered);
        h.completes(a, 0, 10, KvResult.absent());

        assertThat(checker.check(h.build())).singleElement().satisfies(v -> assertThat(v.description())
                .contains("altered request", "replicas [0]", "c1#1", "PUT(k, 'tampered')", "PUT(k, 'a')"));
    }

    @Test
    void byzantineReplicaExecutingForgedAndDuplicateRequestsIsIgnored() {
        Request forged = ordered(9, 1, put("k", "evil"));
        HistoryBuilder h = new HistoryBuilder();
        h.replica(0).decide(a);
        h.byzantine(1).decide(a, a, forged);
        h.completes(a, 0, 10);

        assertThat(checker.check(h.build())).isEmpty();
    }

    @Test
    void readRetriedAsOrderedAfterUnorderedAttemptIsNotForged() {
        Request attempt = unordered(3, 1, get("k"));
        Request retry = ordered(3, 1, get("k"));
        HistoryBuilder h = new HistoryBuilder();
        h.replicas(0, 1).decide(a, retry);
        h.completes(a, 0, 10);
        h.add(new ClientOperation(3, retry.operation(), true, List.of(attempt.id(), retry.id()), 20, 40, retry.id(),
                KvResult.value("a").encode()));

        assertThat(checker.check(h.build())).isEmpty();
    }
}
