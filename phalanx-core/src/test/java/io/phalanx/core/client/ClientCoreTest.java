package io.phalanx.core.client;

import io.phalanx.core.message.Bytes;
import io.phalanx.core.replica.ReplyPolicy;
import io.phalanx.core.message.Refusal;
import io.phalanx.core.message.Reply;
import io.phalanx.core.message.Request;
import io.phalanx.core.message.RequestKind;
import io.phalanx.core.view.Mode;
import io.phalanx.core.view.View;
import io.phalanx.core.view.ViewChange;
import io.phalanx.core.codec.MessageCodec;
import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** When the client considers a result final, and what it does when it is not. */
class ClientCoreTest {
    private static final Bytes OP = Bytes.utf8("op");
    private static final Bytes A = Bytes.utf8("a");
    private static final Bytes B = Bytes.utf8("b");

    private final View bft = View.of(0, 4, 1, Mode.BFT);
    private final ClientCore client = new ClientCore(7, bft, new ClientConfig(100, 400, 4));

    private static Reply reply(int from, Request request, Bytes result) {
        return reply(from, request, result, 0);
    }

    private static Reply reply(int from, Request request, Bytes result, int regency) {
        return new Reply(from, request.clientId(), request.sequence(), request.kind(), 0, regency, result);
    }

    @Test
    void anOrderedResultIsFinalOnAQuorumOfMatchingReplies() {
        ClientOutput out = client.invoke(0, 1, OP, false);
        Request request = out.transmissions().get(0).request();
        assertThat(request.kind()).isEqualTo(RequestKind.ORDERED);
        assertThat(request.sequence()).isEqualTo(1);
        assertThat(out.timers()).containsExactly(new ClientOutput.Timer(1, 1, 100));

        assertThat(client.onReply(1, 0, reply(0, request, A)).completions()).isEmpty();
        assertThat(client.onReply(1, 1, reply(1, request, B)).completions()).isEmpty();
        assertThat(client.onReply(1, 2, reply(2, request, A)).completions()).isEmpty();
        ClientOutput done = client.onReply(1, 3, reply(3, request, A));
        assertThat(done.completions()).containsExactly(new ClientOutput.Completion(1, request.id(), A));
        assertThat(client.outstanding()).isZero();
    }

    @Test
    void aReplicaCannotVoteTwiceOrSpeakForAnother() {
        Request request = client.invoke(0, 1, OP, false).transmissions().get(0).request();
        client.onReply(1, 0, reply(0, request, A));
        client.onReply(1, 0, reply(0, request, A));          // same replica again
        client.onReply(1, 1, reply(2, request, A));          // r1's link claiming to be r2
        client.onReply(1, 9, reply(9, request, A));          // not a member
        assertThat(client.outstanding()).isEqualTo(1);
        assertThat(client.ignoredReplies()).isEqualTo(3);
    }

    @Test
    void anUnorderedQueryWhoseRepliesDivergeIsRetriedAsOrdered() {
        Request query = client.invoke(0, 1, OP, true).transmissions().get(0).request();
        assertThat(query.kind()).isEqualTo(RequestKind.UNORDERED);
        client.onReply(1, 0, reply(0, query, A));
        assertThat(client.onReply(1, 1, reply(1, query, B)).transmissions()).isEmpty(); // A still possible: 1 + 2 silent
        ClientOutput retry = client.onReply(1, 2, reply(2, query, Bytes.utf8("c")));
        assertThat(retry.transmissions()).hasSize(1);
        Request ordered = retry.transmissions().get(0).request();
        assertThat(ordered.kind()).isEqualTo(RequestKind.ORDERED);
        assertThat(ordered.sequence()).isEqualTo(1);
        assertThat(ordered.operation()).isEqualTo(OP);
        // late replies to the abandoned query are ignored
        assertThat(client.onReply(2, 3, reply(3, query, A)).completions()).isEmpty();
    }

    @Test
    void anUnorderedQueryThatTimesOutIsRetriedAsOrdered() {
        client.invoke(0, 1, OP, true);
        ClientOutput retry = client.onTimeout(100, 1, 1);
        assertThat(retry.transmissions().get(0).request().kind()).isEqualTo(RequestKind.ORDERED);
        assertThat(retry.timers()).containsExactly(new ClientOutput.Timer(1, 2, 200));
    }

    @Test
    void anOrderedRequestIsRetransmittedWithCappedDoublingTimeouts() {
        Request request = client.invoke(0, 1, OP, false).transmissions().get(0).request();
        ClientOutput first = client.onTimeout(100, 1, 1);
        assertThat(first.transmissions().get(0).request()).isEqualTo(request);
        assertThat(first.timers()).containsExactly(new ClientOutput.Timer(1, 2, 300));
        ClientOutput second = client.onTimeout(300, 1, 2);
        assertThat(second.timers()).containsExactly(new ClientOutput.Timer(1, 3, 700));
        ClientOutput third = client.onTimeout(700, 1, 3);
        assertThat(third.timers()).containsExactly(new ClientOutput.Timer(1, 4, 1_100)); // capped at 400
        assertThat(client.onTimeout(700, 1, 1).transmissions()).isEmpty(); // stale timer
    }

    @Test
    void orderedAndUnorderedRequestsHaveSeparateSequences() {
        Request q = client.invoke(0, 1, OP, true).transmissions().get(0).request();
        Request o = client.invoke(0, 2, OP, false).transmissions().get(0).request();
        assertThat(q.sequence()).isEqualTo(1);
        assertThat(o.sequence()).isEqualTo(1);
        assertThat(q.id()).isNotEqualTo(o.id());
    }

    @Test
    void outstandingOperationsAreBounded() {
        for (int i = 0; i < 4; i++) {
            client.invoke(0, i, OP, false);
        }
        assertThat(client.canInvoke()).isFalse();
        assertThatThrownBy(() -> client.invoke(0, 9, OP, false)).isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("outstandingMax");
    }

    @Test
    void cftNeedsAMajorityOfMatchingReplies() {
        ClientCore cft = new ClientCore(7, View.of(0, 3, 1, Mode.CFT), ClientConfig.defaults());
        Request request = cft.invoke(0, 1, OP, false).transmissions().get(0).request();
        assertThat(cft.onReply(1, 0, reply(0, request, A)).completions()).isEmpty();
        assertThat(cft.onReply(1, 1, reply(1, request, A)).completions()).hasSize(1);
    }

    /** The replica that sends the full result of {@code request}, and the three that send digests. */
    private int[] repliers(Request request) {
        int designated = ReplyPolicy.fullReplier(bft, request.clientId(), request.sequence());
        int[] order = new int[4];
        order[3] = designated;
        int next = 0;
        for (int id = 0; id < 4; id++) {
            if (id != designated) {
                order[next++] = id;
            }
        }
        return order;
    }

    private static Reply digestOf(View view, int from, Request request, Bytes result) {
        Reply digest = ReplyPolicy.hashedReplies(view, from).shape(reply(from, request, result));
        assertThat(digest.digestOnly()).isTrue();
        return digest;
    }

    @Test
    void hashedRepliesCompleteOnceAFullCopyMatchesAQuorumOfDigests() {
        Request request = client.invoke(0, 1, OP, false).transmissions().get(0).request();
        int[] repliers = repliers(request);
        for (int i = 0; i < 3; i++) {
            ClientOutput out = client.onReply(10, repliers[i], digestOf(bft, repliers[i], request, A));
            assertThat(out.completions()).as("digests alone").isEmpty();
            assertThat(out.transmissions()).as("no request again yet").isEmpty();
        }
        assertThat(client.awaitsFullCopy(1)).isTrue();
        ClientOutput full = client.onReply(11, repliers[3], reply(repliers[3], request, A));
        assertThat(full.completions()).singleElement().satisfies(c -> assertThat(c.result()).isEqualTo(A));
        assertThat(full.transmissions()).isEmpty();
    }

    @Test
    void aQuorumOfDigestsWaitsForTheFullCopyAsLongAgainAsItTookThenAsksEveryReplica() {
        Request request = client.invoke(0, 1, OP, false).transmissions().get(0).request();
        int[] repliers = repliers(request);
        client.onReply(5, repliers[0], digestOf(bft, repliers[0], request, A));
        client.onReply(6, repliers[1], digestOf(bft, repliers[1], request, A));
        ClientOutput quorum = client.onReply(8, repliers[2], digestOf(bft, repliers[2], request, A));
        // The quorum took 8 ms since the request left: the replica that sends it in full gets 8 more.
        assertThat(quorum.timers()).containsExactly(new ClientOutput.Timer(1, 1, 16));
        assertThat(client.onTimeout(16, 1, 1).transmissions()).as("the wait is over: ask every replica")
                .singleElement().isInstanceOf(ClientOutput.Broadcast.class);
        assertThat(client.awaitsFullCopy(1)).isFalse();
        Reply fullAgain = reply(repliers[0], request, A); // answered in full from its reply cache
        assertThat(client.onReply(17, repliers[0], fullAgain).completions()).singleElement()
                .satisfies(c -> assertThat(c.result()).isEqualTo(A));
    }

    /** Invokes operations on {@code core} until one's full result comes from {@code replica}; that one's request. */
    private static Request invokeUntilFullReplier(ClientCore core, long nowMs, long firstId, int replica) {
        for (long id = firstId; id < firstId + 8; id++) {
            Request request = core.invoke(nowMs, id, OP, false).transmissions().get(0).request();
            if (ReplyPolicy.fullReplier(View.of(0, 4, 1, Mode.BFT), request.clientId(), request.sequence()) == replica) {
                return request;
            }
        }
        throw new AssertionError("no request had replica " + replica + " as its full replier");
    }

    @Test
    void aReplicaWaitedForInVainIsNotWaitedForAgainUntilAFullResultOfItsArrives() {
        ClientCore core = new ClientCore(7, bft, new ClientConfig(100, 400, 64));
        Request first = invokeUntilFullReplier(core, 0, 1, 3);
        long firstOp = core.outstanding();
        int[] repliers = repliers(first);
        for (int i = 0; i < 3; i++) {
            core.onReply(4, repliers[i], digestOf(bft, repliers[i], first, A));
        }
        assertThat(core.awaitsFullCopy(firstOp)).isTrue();
        assertThat(core.onTimeout(8, firstOp, 1).transmissions()).as("waited in vain")
                .singleElement().isInstanceOf(ClientOutput.Broadcast.class);

        Request second = invokeUntilFullReplier(core, 10, 100, 3);
        for (int i = 0; i < 2; i++) {
            core.onReply(11, repliers(second)[i], digestOf(bft, repliers(second)[i], second, A));
        }
        assertThat(core.onReply(12, repliers(second)[2], digestOf(bft, repliers(second)[2], second, A)).transmissions())
                .as("replica 3 is not waited for again").singleElement().isInstanceOf(ClientOutput.Broadcast.class);

        core.onReply(13, 3, reply(3, first, A)); // a full result of replica 3 arrives after all
        Request third = invokeUntilFullReplier(core, 20, 200, 3);
        for (int i = 0; i < 3; i++) {
            ClientOutput out = core.onReply(21, repliers(third)[i], digestOf(bft, repliers(third)[i], third, A));
            assertThat(out.transmissions()).as("waited for again").isEmpty();
        }
    }

    @Test
    void aQuorumOfDigestsAfterARetransmissionStillGetsTheFullCopy() {
        Request request = client.invoke(0, 1, OP, false).transmissions().get(0).request();
        int[] repliers = repliers(request);
        client.onTimeout(100, 1, 1); // retransmitted before anything was decided
        client.onReply(150, repliers[0], digestOf(bft, repliers[0], request, A));
        client.onReply(151, repliers[1], digestOf(bft, repliers[1], request, A));
        ClientOutput quorum = client.onReply(160, repliers[2], digestOf(bft, repliers[2], request, A));
        assertThat(quorum.timers()).as("a wait as long again as since the retransmission")
                .containsExactly(new ClientOutput.Timer(1, 2, 220));
        assertThat(client.onTimeout(220, 1, 2).transmissions()).singleElement().isInstanceOf(ClientOutput.Broadcast.class);
    }

    @Test
    void theFullCopyIsAskedForAtOnceWhenItsReplicaAnsweredSomethingElseOrIsUnreachable() {
        Request request = client.invoke(0, 1, OP, false).transmissions().get(0).request();
        int[] repliers = repliers(request);
        assertThat(client.onReply(1, repliers[3], reply(repliers[3], request, B)).completions())
                .as("a full copy of another result").isEmpty();
        client.onReply(2, repliers[0], digestOf(bft, repliers[0], request, A));
        client.onReply(3, repliers[1], digestOf(bft, repliers[1], request, A));
        assertThat(client.onReply(4, repliers[2], digestOf(bft, repliers[2], request, A)).transmissions())
                .singleElement().isInstanceOf(ClientOutput.Broadcast.class);

        Request second = client.invoke(10, 2, OP, false).transmissions().get(0).request();
        int[] others = repliers(second);
        client.onReplicaDown(others[3]);
        client.onReply(11, others[0], digestOf(bft, others[0], second, A));
        client.onReply(12, others[1], digestOf(bft, others[1], second, A));
        assertThat(client.onReply(13, others[2], digestOf(bft, others[2], second, A)).transmissions())
                .singleElement().isInstanceOf(ClientOutput.Broadcast.class);
    }

    @Test
    void onlyTheDesignatedReplicaSendsTheFullResult() {
        View view = View.of(0, 4, 1, Mode.BFT);
        Request request = new Request(7, 3, RequestKind.ORDERED, 0, OP);
        long fullOnes = 0;
        for (int id = 0; id < 4; id++) {
            Reply shaped = ReplyPolicy.hashedReplies(view, id).shape(reply(id, request, A));
            fullOnes += shaped.digestOnly() ? 0 : 1;
            assertThat(ReplyPolicy.fullReplies(view, id).shape(reply(id, request, A)).digestOnly()).isFalse();
        }
        assertThat(fullOnes).isEqualTo(1);
    }

    @Test
    void aNewOrderedRequestGoesToTheLeaderAloneAndARetransmissionToEveryReplica() {
        ClientOutput out = client.invoke(0, 1, OP, false);
        assertThat(out.transmissions()).singleElement().isInstanceOf(ClientOutput.Unicast.class)
                .satisfies(t -> assertThat(((ClientOutput.Unicast) t).replica()).isEqualTo(bft.leaderOf(0)));
        assertThat(client.onTimeout(100, 1, 1).transmissions()).singleElement().isInstanceOf(ClientOutput.Broadcast.class);
        assertThat(client.invoke(0, 2, OP, true).transmissions()).as("a query")
                .singleElement().isInstanceOf(ClientOutput.Broadcast.class);
    }

    @Test
    void requestsForALeaderWhoseLinkIsDownGoToEveryReplica() {
        Request toLeader = client.invoke(0, 1, OP, false).transmissions().get(0).request();
        assertThat(client.onReplicaDown(1).transmissions()).as("not the leader").isEmpty();
        assertThat(client.onReplicaDown(0).transmissions())
                .containsExactly(new ClientOutput.Broadcast(1, toLeader));
        ClientOutput meanwhile = client.invoke(0, 2, OP, false);
        assertThat(meanwhile.transmissions()).singleElement().isInstanceOf(ClientOutput.Broadcast.class);

        // Back up: what went to every replica while it was down is sent to it now.
        assertThat(client.onReplicaUp(0).transmissions()).containsExactly(
                new ClientOutput.Unicast(1, toLeader, 0),
                new ClientOutput.Unicast(2, meanwhile.transmissions().get(0).request(), 0));
        ClientOutput after = client.invoke(0, 3, OP, false);
        assertThat(after.transmissions()).containsExactly(
                new ClientOutput.Unicast(3, after.transmissions().get(0).request(), 0));
    }

    @Test
    void aLinkThatComesUpGetsWhatWasSentToItAloneAgain() {
        Request toLeader = client.invoke(0, 1, OP, false).transmissions().get(0).request(); // before any link is up
        assertThat(client.onReplicaUp(1).transmissions()).isEmpty();
        assertThat(client.onReplicaUp(0).transmissions()).containsExactly(new ClientOutput.Unicast(1, toLeader, 0));
    }

    @Test
    void theLeaderFollowsTheRegencyThatRepliesContainingACorrectReplicaReport() {
        // One liar (replica 3) reporting a high regency does not move the client (f = 1)...
        completeWithRegencies(1, Map.of(0, 0, 1, 0, 3, 9));
        assertThat(client.leader()).isEqualTo(bft.leaderOf(0));
        // ...two replicas (f + 1) that reached regency 2 or more do.
        completeWithRegencies(2, Map.of(0, 0, 1, 2, 2, 3));
        assertThat(client.leader()).isEqualTo(bft.leaderOf(2));
        assertThat(client.invoke(4, 3, OP, false).transmissions()).singleElement()
                .satisfies(t -> assertThat(((ClientOutput.Unicast) t).replica()).isEqualTo(bft.leaderOf(2)));
    }

    /** Invokes operation {@code id} and completes it with replies of A reporting these regencies by sender. */
    @Test
    void aQuorumOfRefusalsFailsTheOperationWithTheirReason() {
        Request request = client.invoke(0, 1, OP, false).transmissions().get(0).request();
        Refusal.Reason superseded = Refusal.Reason.SESSION_SUPERSEDED;
        ClientOutput fromLeader = client.onRefusal(0, new Refusal(0, 7, request.sequence(), superseded, 0));
        assertThat(fromLeader.transmissions()).as("sent to the leader alone: now to every replica")
                .singleElement().isInstanceOf(ClientOutput.Broadcast.class);
        assertThat(client.onRefusal(1, new Refusal(2, 7, request.sequence(), superseded, 0)).failures())
                .as("a replica cannot refuse for another").isEmpty();
        assertThat(client.onRefusal(1, new Refusal(1, 7, request.sequence(), superseded, 0)).failures()).isEmpty();
        assertThat(client.onRefusal(1, new Refusal(1, 7, request.sequence(), superseded, 0)).failures())
                .as("a replica refuses once").isEmpty();
        ClientOutput failed = client.onRefusal(3, new Refusal(3, 7, request.sequence(), superseded, 0));
        assertThat(failed.failures()).containsExactly(new ClientOutput.Failure(1, request.id(), superseded, 0));
        assertThat(client.outstanding()).isZero();
    }

    @Test
    void refusalsForDifferentReasonsAddUpAndTheFailureNamesTheMostGiven() {
        // A replica that has not decided the client's newer session yet finds this one evicted
        // (unknown); one that has finds it superseded. Both will never order it.
        Request request = client.invoke(0, 1, OP, false).transmissions().get(0).request();
        Refusal.Reason unknown = Refusal.Reason.SESSION_UNKNOWN;
        Refusal.Reason superseded = Refusal.Reason.SESSION_SUPERSEDED;
        assertThat(client.onRefusal(0, new Refusal(0, 7, request.sequence(), unknown, 0)).failures()).isEmpty();
        assertThat(client.onRefusal(1, new Refusal(1, 7, request.sequence(), superseded, 0)).failures()).isEmpty();
        ClientOutput failed = client.onRefusal(2, new Refusal(2, 7, request.sequence(), superseded, 0));
        assertThat(failed.failures()).containsExactly(new ClientOutput.Failure(1, request.id(), superseded, 0));
        assertThat(client.outstanding()).isZero();
    }

    @Test
    void aQuorumRefusingForAnOlderViewFailsTheCallNamingTheViewMostOfThemAreIn() {
        Request request = client.invoke(0, 1, OP, false).transmissions().get(0).request();
        Refusal.Reason outdated = Refusal.Reason.VIEW_OUTDATED;
        assertThat(client.onRefusal(0, new Refusal(0, 7, request.sequence(), outdated, 4)).failures()).isEmpty();
        assertThat(client.onRefusal(1, new Refusal(1, 7, request.sequence(), outdated, 99)).failures())
                .as("one replica's claim").isEmpty();
        ClientOutput failed = client.onRefusal(2, new Refusal(2, 7, request.sequence(), outdated, 4));
        assertThat(failed.failures()).containsExactly(new ClientOutput.Failure(1, request.id(), outdated, 4));
    }

    @Test
    void fPlusOneRefusalsNamingTheSameNewerViewMakeTheClientAdoptItAndResendUnderIt() throws Exception {
        Request request = client.invoke(0, 1, OP, false).transmissions().get(0).request();
        View newer = new View(1, List.of(1, 2, 3, 4), 1, Mode.BFT); // replica 4 replaced replica 0
        Bytes encoded = Bytes.copyOf(MessageCodec.encodeView(newer));
        Bytes forged = Bytes.copyOf(MessageCodec.encodeView(new ViewChange.SetF(0).applyTo(bft)));
        Refusal.Reason outdated = Refusal.Reason.VIEW_OUTDATED;
        assertThat(client.onRefusal(3, new Refusal(3, 7, request.sequence(), outdated, 1, forged)).transmissions())
                .as("one replica's view is no evidence").allSatisfy(t -> assertThat(t).isInstanceOf(ClientOutput.Broadcast.class));
        assertThat(client.onRefusal(1, new Refusal(1, 7, request.sequence(), outdated, 1, encoded)).failures()).isEmpty();
        assertThat(client.viewId()).as("f+1 must name the same view").isZero();
        ClientOutput adopted = client.onRefusal(2, new Refusal(2, 7, request.sequence(), outdated, 1, encoded));
        assertThat(client.viewId()).isEqualTo(1);
        assertThat(client.view()).isEqualTo(newer);
        assertThat(client.viewsAdopted()).isEqualTo(1);
        assertThat(adopted.failures()).isEmpty();
        Request resent = adopted.transmissions().get(0).request();
        assertThat(resent.sequence()).as("the same request, so it runs at most once").isEqualTo(request.sequence());
        assertThat(resent.viewId()).isEqualTo(1);
        assertThat(adopted.transmissions()).singleElement()
                .satisfies(t -> assertThat(((ClientOutput.Unicast) t).replica()).isEqualTo(newer.leaderOf(0)));
        // A late refusal of the old request does not count against the new one.
        assertThat(client.onRefusal(3, new Refusal(3, 7, request.sequence(), outdated, 1, encoded)).failures()).isEmpty();
        assertThat(client.onReply(1, 0, reply(0, resent, A)).completions()).as("replica 0 is out of the view").isEmpty();
        client.onReply(1, 1, reply(1, resent, A));
        client.onReply(1, 4, reply(4, resent, A));
        assertThat(client.onReply(1, 3, reply(3, resent, A)).completions()).hasSize(1);
    }

    private void completeWithRegencies(long id, Map<Integer, Integer> regencyBySender) {
        Request request = client.invoke(0, id, OP, false).transmissions().get(0).request();
        regencyBySender.forEach((sender, regency) -> client.onReply(1, sender, reply(sender, request, A, regency)));
        assertThat(client.outstanding()).isZero();
    }
}
