package io.phalanx.core.replica;

import io.phalanx.core.crypto.TestKeys;
import io.phalanx.core.message.Bytes;
import io.phalanx.core.message.Propose;
import io.phalanx.core.message.Refusal;
import io.phalanx.core.message.Request;
import io.phalanx.core.message.RequestKind;
import io.phalanx.core.view.Mode;
import io.phalanx.core.view.View;
import org.junit.jupiter.api.Test;

import java.util.SplittableRandom;

import static io.phalanx.core.replica.Cluster.request;
import static org.assertj.core.api.Assertions.assertThat;

/** What a replica does with a client request on arrival. */
class RequestAdmissionTest {
    private static final TestKeys KEYS = new TestKeys(4, 4);

    @Test
    void anUnorderedRequestGoesStraightToExecution() {
        Cluster cluster = new Cluster(Mode.BFT, 4, 1);
        Request query = new Request(1, 1, RequestKind.UNORDERED, 0, Bytes.utf8("get x"));
        Output out = cluster.step(0, new Input.RequestReceived(query));
        assertThat(out.unordered()).containsExactly(query);
        assertThat(out.sends()).isEmpty();
    }

    @Test
    void aRetransmissionOfADecidedRequestAsksForTheCachedReply() {
        Cluster cluster = new Cluster(Mode.BFT, 4, 1);
        cluster.clientSends(request(1, 1));
        cluster.deliverAll();
        Output out = cluster.step(2, new Input.RequestReceived(request(1, 1)));
        assertThat(out.replyResends()).containsExactly(request(1, 1).id());
        assertThat(cluster.cores.get(2).counters().get(Counter.REPLY_RESENT)).isEqualTo(1);
    }

    @Test
    void aRetransmissionOfAPendingRequestIsNotQueuedTwice() {
        Cluster cluster = new Cluster(Mode.BFT, 4, 1);
        cluster.step(1, new Input.RequestReceived(request(1, 1)));
        cluster.step(1, new Input.RequestReceived(request(1, 1)));
        assertThat(cluster.cores.get(1).pendingRequests()).isEqualTo(1);
        assertThat(cluster.cores.get(1).counters().get(Counter.DUPLICATE_REQUEST)).isEqualTo(1);
    }

    @Test
    void aFullPendingQueueDropsAndCounts() {
        View view = View.of(0, 4, 1, Mode.BFT);
        ReplicaConfig small = ReplicaConfig.builder(1, view)
                .batchRequestsMax(10)
                .pendingRequestsMax(2)
                .operationBytesMax(1024)
                .timeoutBackoffExponentMax(6)
                .decisionPushMax(32)
                .build();
        ReplicaCore follower = new ReplicaCore(small, r -> true, KEYS.replica(small.replicaId()), KEYS.verifier(), new SplittableRandom(1));
        for (int client = 1; client <= 3; client++) {
            follower.step(0, new Input.RequestReceived(request(client, 1)));
        }
        assertThat(follower.pendingRequests()).isEqualTo(2);
        assertThat(follower.counters().get(Counter.PENDING_FULL)).isEqualTo(1);
    }

    @Test
    void anOversizedOperationIsRefused() {
        View view = View.of(0, 4, 1, Mode.BFT);
        ReplicaConfig small = ReplicaConfig.builder(0, view)
                .batchRequestsMax(10)
                .pendingRequestsMax(100)
                .operationBytesMax(8)
                .timeoutBackoffExponentMax(6)
                .decisionPushMax(32)
                .build();
        ReplicaCore leader = new ReplicaCore(small, r -> true, KEYS.replica(small.replicaId()), KEYS.verifier(), new SplittableRandom(1));
        Output out = leader.step(0, new Input.RequestReceived(
                new Request(1, 1, RequestKind.ORDERED, 0, Bytes.utf8("far too long"))));
        assertThat(out.isEmpty()).isTrue();
        assertThat(leader.counters().get(Counter.INVALID_REQUEST)).isEqualTo(1);
    }

    @Test
    void theLeaderDoesNotProposeWhatTheServiceRefuses() {
        Cluster cluster = new Cluster(Mode.BFT, 4, 1, r -> !r.operation().toUtf8().startsWith("forbidden"));
        cluster.step(0, new Input.RequestReceived(new Request(1, 1, RequestKind.ORDERED, 0, Bytes.utf8("forbidden"))));
        assertThat(cluster.take(Propose.class)).isEmpty();
        assertThat(cluster.cores.get(0).counters().get(Counter.INVALID_REQUEST)).isEqualTo(1);
    }

    @Test
    void requestsOfOneClientMayBeDecidedOutOfSequenceOrderButEachOnce() {
        Cluster cluster = new Cluster(Mode.BFT, 4, 1);
        cluster.clientSends(request(1, 2));
        cluster.clientSends(request(1, 1));
        cluster.deliverAll();
        cluster.clientSends(request(1, 2)); // retransmission after both were decided
        cluster.deliverAll();
        long decidedRequests = cluster.decisions.get(0).stream().mapToLong(d -> d.batch().requests().size()).sum();
        assertThat(decidedRequests).isEqualTo(2);
    }

    @Test
    void aRestartedClientsNewSessionIsOrderedAndItsOldSessionIsOver() {
        Cluster cluster = new Cluster(Mode.BFT, 4, 1);
        long session1 = 1L << 32;
        long session2 = 2L << 32;
        cluster.clientSends(new Request(1, session1 + 1, RequestKind.ORDERED, 0, Bytes.utf8("first run")));
        cluster.deliverAll();
        cluster.clientSends(new Request(1, session2 + 1, RequestKind.ORDERED, 0, Bytes.utf8("second run")));
        cluster.deliverAll();
        assertThat(cluster.decisions.get(2)).hasSize(2);
        assertThat(cluster.decisions.get(2).get(1).batch().requests().get(0).operation()).isEqualTo(Bytes.utf8("second run"));

        Output late = cluster.step(2, new Input.RequestReceived(
                new Request(1, session1 + 2, RequestKind.ORDERED, 0, Bytes.utf8("late from the first run"))));
        assertThat(late.sends()).isEmpty();
        assertThat(cluster.cores.get(2).pendingRequests()).isZero();
        assertThat(late.refusals()).containsExactly(
                new Refusal(2, 1, session1 + 2, Refusal.Reason.SESSION_SUPERSEDED, 0));
    }

    @Test
    void aRequestOfASessionEndedByAHugeOneIsRefusedNotAnsweredWithSilence() {
        Cluster cluster = new Cluster(Mode.BFT, 4, 1);
        long huge = (long) Integer.MAX_VALUE << 32;
        cluster.clientSends(new Request(1, huge + 1, RequestKind.ORDERED, 0, Bytes.utf8("from the far future")));
        cluster.deliverAll();
        long normal = 190_000_000L << 32;
        for (int replica = 0; replica < 4; replica++) {
            Output out = cluster.step(replica, new Input.RequestReceived(
                    new Request(1, normal + 1, RequestKind.ORDERED, 0, Bytes.utf8("a normal run"))));
            assertThat(out.replyResends()).as("no cached reply to resend").isEmpty();
            assertThat(out.refusals()).containsExactly(
                    new Refusal(replica, 1, normal + 1, Refusal.Reason.SESSION_SUPERSEDED, 0));
            assertThat(cluster.cores.get(replica).counters().get(Counter.REQUEST_REFUSED)).isEqualTo(1);
        }
    }

    @Test
    void replicasThatLostTheirStateRefuseAnUnknownSessionPastItsFirstWindow() {
        Cluster fresh = new Cluster(Mode.BFT, 4, 1);
        int windowMax = ReplicaConfig.defaults(0, View.of(0, 4, 1, Mode.BFT)).clientWindowMax();
        long session = 7L << 32;
        Output beyond = fresh.step(0, new Input.RequestReceived(
                new Request(1, session + windowMax + 1, RequestKind.ORDERED, 0, Bytes.utf8("x"))));
        assertThat(beyond.refusals()).containsExactly(
                new Refusal(0, 1, session + windowMax + 1, Refusal.Reason.SESSION_UNKNOWN, 0));
        assertThat(fresh.cores.get(0).pendingRequests()).isZero();

        Output first = fresh.step(0, new Input.RequestReceived(
                new Request(1, session + windowMax, RequestKind.ORDERED, 0, Bytes.utf8("y"))));
        assertThat(first.refusals()).as("the first window of an unknown session is admitted").isEmpty();
        assertThat(fresh.cores.get(0).pendingRequests()).isEqualTo(1);
    }

    @Test
    void aKnownClientsNewSessionPastItsFirstWindowIsRefusedAsUnknown() {
        Cluster cluster = new Cluster(Mode.BFT, 4, 1);
        cluster.clientSends(new Request(1, (1L << 32) + 1, RequestKind.ORDERED, 0, Bytes.utf8("first run")));
        cluster.deliverAll();
        int windowMax = ReplicaConfig.defaults(0, View.of(0, 4, 1, Mode.BFT)).clientWindowMax();
        long beyond = (2L << 32) + windowMax + 1;
        Output out = cluster.step(0, new Input.RequestReceived(new Request(1, beyond, RequestKind.ORDERED, 0, Bytes.utf8("x"))));
        assertThat(out.refusals()).containsExactly(new Refusal(0, 1, beyond, Refusal.Reason.SESSION_UNKNOWN, 0));
    }

    @Test
    void aRequestForAnOlderViewIsRefusedWithTheReplicasViewAndOneForANewerViewIsLeftToOthers() {
        ReplicaCore leader = new ReplicaCore(ReplicaConfig.defaults(0, View.of(3, 4, 1, Mode.BFT)), r -> true,
                KEYS.replica(0), KEYS.verifier(), new SplittableRandom(1));

        Output older = leader.step(0, new Input.RequestReceived(new Request(1, 1, RequestKind.ORDERED, 2, Bytes.utf8("x"))));
        assertThat(older.refusals()).containsExactly(new Refusal(0, 1, 1, Refusal.Reason.VIEW_OUTDATED, 3,
                Bytes.copyOf(io.phalanx.core.codec.MessageCodec.encodeView(View.of(3, 4, 1, Mode.BFT)))));
        Output newer = leader.step(0, new Input.RequestReceived(new Request(1, 2, RequestKind.ORDERED, 4, Bytes.utf8("y"))));
        assertThat(newer.refusals()).isEmpty();
        Output query = leader.step(0, new Input.RequestReceived(new Request(1, 1, RequestKind.UNORDERED, 2, Bytes.utf8("z"))));
        assertThat(query.unordered()).isEmpty();
        Output relayed = leader.step(0, new Input.MessageReceived(1,
                new io.phalanx.core.message.Forward(1, java.util.List.of(new Request(2, 1, RequestKind.ORDERED, 2, Bytes.utf8("w"))))));
        assertThat(relayed.sends()).isEmpty();

        assertThat(leader.pendingRequests()).isZero();
        assertThat(leader.counters().get(Counter.REQUEST_WRONG_VIEW)).isEqualTo(4);
        assertThat(leader.counters().get(Counter.REQUEST_REFUSED)).isZero();
        Output current = leader.step(0, new Input.RequestReceived(new Request(1, 3, RequestKind.ORDERED, 3, Bytes.utf8("v"))));
        assertThat(current.refusals()).isEmpty();
        assertThat(leader.pendingRequests() + current.sends().size()).isPositive();
    }
}
