package io.phalanx.core.replica;

import io.phalanx.core.message.Batch;
import io.phalanx.core.message.Bytes;
import io.phalanx.core.message.Propose;
import io.phalanx.core.message.Request;
import io.phalanx.core.message.RequestKind;
import io.phalanx.core.view.Mode;
import org.junit.jupiter.api.Test;

import java.util.Collections;
import java.util.List;

import static io.phalanx.core.replica.Cluster.request;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * A follower votes only for proposals it has checked itself: each scenario is a way a leader
 * could try to get something wrong ordered, and the follower must refuse to WRITE.
 */
class ProposalValidationTest {
    private final Cluster cluster = new Cluster(Mode.BFT, 4, 1,
            r -> !r.operation().toUtf8().startsWith("forbidden"));

    private Output propose(Batch batch) {
        return cluster.step(1, new Input.MessageReceived(0, new Propose(0, 0, 0, batch)));
    }

    private void assertRefused(Batch batch, String reasonFragment) {
        assertThat(propose(batch).sends()).isEmpty();
        assertThat(cluster.cores.get(1).counters().get(Counter.INVALID_PROPOSAL)).isEqualTo(1);
        assertThat(cluster.cores.get(1).lastRejection()).contains(reasonFragment);
    }

    @Test
    void anEmptyBatchIsRefused() {
        assertRefused(new Batch(cluster.nowMs, 0, List.of()), "empty batch");
    }

    @Test
    void aBatchNamingAnotherRegencyThanItsProposalIsRefused() {
        // The regency decides which leader a view change keeps: a leader cannot name another.
        assertRefused(new Batch(cluster.nowMs, 0, 3, List.of(request(1, 1))), "batch names regency 3 in a proposal of regency 0");
    }

    @Test
    void aBatchNamingCaughtUpMembersWithoutAnAdministratorsRequestIsRefused() {
        assertRefused(new Batch(cluster.nowMs, 0, 0, List.of(request(1, 1)), List.of(0, 1, 2)),
                "holds no administrator's request");
    }

    @Test
    void aBatchWithTheSameRequestTwiceIsRefused() {
        assertRefused(new Batch(cluster.nowMs, 0, List.of(request(1, 1), request(1, 1))), "appears twice");
    }

    @Test
    void aBatchReorderingAnAlreadyDecidedRequestIsRefused() {
        cluster.clientSends(request(1, 1));
        cluster.deliverAll();
        Output out = cluster.step(1, new Input.MessageReceived(0,
                new Propose(0, 1, 0, new Batch(cluster.nowMs, 0, List.of(request(1, 1))))));
        assertThat(out.sends()).isEmpty();
        assertThat(cluster.cores.get(1).lastRejection()).contains("already decided");
    }

    @Test
    void aBatchWithARequestForAViewTwoChangesAwayIsRefused() {
        // A request for the view next to the instance's is ordered (around a reconfiguration,
        // clients of both views are served); one further away is not.
        assertRefused(new Batch(cluster.nowMs, 0, List.of(new Request(1, 1, RequestKind.ORDERED, 2, Bytes.utf8("x")))),
                "is for view 2, far from view 0");
    }

    @Test
    void aTimestampFarFromTheFollowersClockIsRefused() {
        assertRefused(new Batch(cluster.nowMs + 3_600_000, 0, List.of(request(1, 1))), "ms from local time");
    }

    @Test
    void aTimestampGoingBackwardsIsRefused() {
        cluster.clientSends(request(1, 1));
        cluster.deliverAll();
        Output out = cluster.step(1, new Input.MessageReceived(0,
                new Propose(0, 1, 0, new Batch(cluster.nowMs - 1, 0, List.of(request(2, 1))))));
        assertThat(out.sends()).isEmpty();
        assertThat(cluster.cores.get(1).lastRejection()).contains("precedes the previous batch");
    }

    @Test
    void aRequestTheServiceRefusesIsRefused() {
        Request forbidden = new Request(1, 1, RequestKind.ORDERED, 0, Bytes.utf8("forbidden op"));
        assertRefused(new Batch(cluster.nowMs, 0, List.of(forbidden)), "service refused");
    }

    @Test
    void anUnorderedRequestInsideABatchIsRefused() {
        Request query = new Request(1, 1, RequestKind.UNORDERED, 0, Bytes.utf8("get"));
        assertRefused(new Batch(cluster.nowMs, 0, List.of(query)), "unordered request");
    }

    @Test
    void aBatchOverTheRequestLimitIsRefused() {
        int max = ReplicaConfig.defaults(1, cluster.view).batchRequestsMax();
        List<Request> requests = new java.util.ArrayList<>();
        for (int i = 0; i <= max; i++) {
            requests.add(request(100 + i, 1));
        }
        assertRefused(new Batch(cluster.nowMs, 0, requests), "exceeds batchRequestsMax");
    }

    @Test
    void aBatchOverTheByteLimitIsRefused() {
        int operationMax = ReplicaConfig.defaults(1, cluster.view).operationBytesMax();
        int batchMax = ReplicaConfig.defaults(1, cluster.view).batchBytesMax();
        Bytes big = Bytes.copyOf(new byte[operationMax]);
        List<Request> requests = new java.util.ArrayList<>();
        for (int i = 0; i <= batchMax / operationMax; i++) {
            requests.add(new Request(100 + i, 1, RequestKind.ORDERED, 0, big));
        }
        assertRefused(new Batch(cluster.nowMs, 0, requests), "exceeds batchBytesMax");
    }

    @Test
    void aRequestFarBeyondTheClientsWindowIsRefused() {
        assertRefused(new Batch(cluster.nowMs, 0, List.of(request(1, 1_000_000))), "outside the client's window");
    }

    @Test
    void aValidProposalIsAccepted() {
        assertThat(propose(new Batch(cluster.nowMs, 0, Collections.singletonList(request(1, 1)))).sends()).hasSize(3);
        assertThat(cluster.cores.get(1).counters().get(Counter.INVALID_PROPOSAL)).isZero();
    }
}
