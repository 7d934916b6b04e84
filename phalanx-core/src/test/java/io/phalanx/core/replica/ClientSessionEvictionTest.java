package io.phalanx.core.replica;

import io.phalanx.core.crypto.Digests;
import io.phalanx.core.message.Batch;
import io.phalanx.core.message.Checkpoint;
import io.phalanx.core.message.Decision;
import io.phalanx.core.message.Propose;
import io.phalanx.core.message.Refusal;
import io.phalanx.core.message.Request;
import io.phalanx.core.message.Write;
import io.phalanx.core.service.RequestVerifier;
import io.phalanx.core.view.Mode;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;

import static io.phalanx.core.replica.Cluster.request;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * Client sessions beyond {@code clientsMax}: five clients, three sessions kept. Eviction follows
 * the decided sequence alone (the session whose last decided request is oldest is evicted), so every
 * replica evicts the same sessions at the same decision, and nothing an evicted session ran
 * runs again.
 */
class ClientSessionEvictionTest {
    private static final int CLIENTS_MAX = 3;
    private static final long SESSION_1 = 1L << 32;

    private final Cluster cluster = new Cluster(Mode.BFT, 4, 1, RequestVerifier.ACCEPT_ALL,
            c -> c.clientsMax(CLIENTS_MAX).pipelineMax(1)).executing();

    /** Sends {@code request} to every replica and lets it be decided before anything else happens. */
    private void decide(Request request) {
        cluster.clientSends(request);
        cluster.runFor(200);
    }

    /** The clients whose sessions replica {@code id}'s execution layer keeps, by client id. */
    private List<Long> sessionsAt(int id) {
        return header(cluster.executors.get(id)).sessions().stream().map(Checkpoint.ClientSession::clientId).toList();
    }

    /** Every replica's executed sessions, and its checkpoint as a whole, are the same; returns the sessions. */
    private List<Long> sameSessionsEverywhere() {
        Checkpoint reference = header(cluster.executors.get(0));
        for (int id = 1; id < cluster.cores.size(); id++) {
            assertThat(header(cluster.executors.get(id))).as("replica %d", id).isEqualTo(reference);
        }
        return sessionsAt(0);
    }

    @Test
    void theSessionWhoseLastDecidedRequestIsOldestIsEvictedOnEveryReplica() {
        List<List<Long>> kept = new ArrayList<>();
        for (long client = 1; client <= 3; client++) {
            decide(request(client, 1)); // clients 1, 2, 3 decided in consensus ids 0, 1, 2
        }
        kept.add(sameSessionsEverywhere());
        decide(request(1, 2)); // cid 3: client 1 is now the most recent, client 2 the oldest
        decide(request(4, 1)); // cid 4: client 4 is new; client 2 (last decided in cid 1) is evicted
        kept.add(sameSessionsEverywhere());
        decide(request(5, 1)); // cid 5: client 3 (cid 2) is evicted
        kept.add(sameSessionsEverywhere());

        assertThat(kept).containsExactly(List.of(1L, 2L, 3L), List.of(1L, 3L, 4L), List.of(1L, 4L, 5L));
        for (int id = 0; id < cluster.cores.size(); id++) {
            assertThat(cluster.cores.get(id).counters().get(Counter.CLIENT_SESSION_EVICTED)).as("replica %d", id).isEqualTo(2);
            assertThat(cluster.cores.get(id).lastDecided()).isEqualTo(5);
        }
        assertThat(header(cluster.executors.get(0)).evictedSessions())
                .as("client 2's session 0 evicted in cid 4, client 3's in cid 5")
                .containsExactly(new Checkpoint.EvictedSession(2, 0, 4), new Checkpoint.EvictedSession(3, 0, 5));
    }

    @Test
    void beyondClientsMaxEvictedSessionsTheOldestFoldsIntoItsBucketsFloor() {
        ServiceExecutor executor = new ServiceExecutor(cluster.config(0), new ServiceExecutorTest.Recorder());
        for (long client = 1; client <= 7; client++) {
            executor.execute(decision(client - 1, request(client, 1)));
        }
        // Clients 1 to 4 were evicted; three tombstones are kept, client 1's went into bucket 1.
        Checkpoint checkpoint = header(executor);
        assertThat(checkpoint.evictedSessions()).extracting(Checkpoint.EvictedSession::clientId).containsExactly(2L, 3L, 4L);
        assertThat(checkpoint.sessionFloors()).containsExactly(new Checkpoint.SessionFloor(1, 0));

        assertThat(executor.execute(decision(7, request(1, 1)))).as("client 1 under the floor").isEmpty();
        assertThat(executor.execute(decision(8, request(10, 1))))
                .as("client 10, never seen, shares bucket 1: the price of folding").isEmpty();
        assertThat(executor.execute(decision(9, request(10, SESSION_1 + 1)))).as("in a higher session it runs")
                .hasSize(1);
    }

    @Test
    void tiesAmongSessionsLastDecidedInOneInstanceGoByClientId() {
        // One batch holds requests of clients 5, 4, 3, 2 (in that order) on top of client 1's
        // session: room for three, so the two lowest client ids among the oldest go.
        ServiceExecutor executor = new ServiceExecutor(cluster.config(0), new ServiceExecutorTest.Recorder());
        executor.execute(decision(0, request(1, 1)));
        executor.execute(decision(1, request(5, 1), request(4, 1), request(3, 1), request(2, 1)));
        // Client 1 (cid 0) went for client 3; then clients 3, 4, 5 (cid 1) were the oldest and
        // client 3, the lowest id, went for client 2.
        assertThat(header(executor).sessions()).extracting(Checkpoint.ClientSession::clientId)
                .containsExactly(2L, 4L, 5L);
    }

    @Test
    void aRetransmittedRequestOfAnEvictedClientIsRefusedAndNotExecutedAgain() {
        for (long client = 1; client <= 5; client++) {
            decide(request(client, 1)); // clients 1 and 2 are evicted by clients 4 and 5
        }
        assertThat(sameSessionsEverywhere()).containsExactly(3L, 4L, 5L);
        long decided = cluster.cores.get(0).lastDecided();

        for (int id = 0; id < cluster.cores.size(); id++) {
            Output out = cluster.step(id, new Input.RequestReceived(request(1, 1)));
            assertThat(out.refusals()).as("replica %d", id)
                    .containsExactly(new Refusal(id, 1, 1, Refusal.Reason.SESSION_UNKNOWN, 0));
            assertThat(cluster.executors.get(id).cachedReply(request(1, 1).id())).isEmpty();
        }
        // Later numbers of the evicted session are refused too: the replicas cannot tell which ran.
        for (int id = 0; id < cluster.cores.size(); id++) {
            Output out = cluster.step(id, new Input.RequestReceived(request(1, 2)));
            assertThat(out.refusals()).containsExactly(new Refusal(id, 1, 2, Refusal.Reason.SESSION_UNKNOWN, 0));
        }
        cluster.runFor(5_000);
        assertThat(cluster.cores.get(0).lastDecided()).as("nothing was ordered").isEqualTo(decided);
        for (ServiceExecutorTest.Recorder service : cluster.services) {
            assertThat(Collections.frequency(service.executed, "op-1-1")).isEqualTo(1);
            assertThat(service.executed).doesNotContain("op-1-2");
        }

        // The client begins a new session (as it does after that refusal) and is served again;
        // client 3, whose last decision is now the oldest, makes room.
        decide(request(1, SESSION_1 + 1));
        assertThat(sameSessionsEverywhere()).containsExactly(1L, 4L, 5L);
        assertThat(cluster.services.get(0).executed).endsWith("op-1-" + (SESSION_1 + 1));
    }

    @Test
    void aDecisionHoldingAnEvictedSessionsRequestSkipsIt() {
        // A leader may have proposed it in the instance after the one that evicted its client
        // (followers accept it, see ClientSessions#admitsInProposal); no replica runs it.
        for (long client = 1; client <= 5; client++) {
            decide(request(client, 1));
        }
        List<Integer> executedBefore = cluster.services.stream().map(service -> service.executed.size()).toList();
        Batch stale = new Batch(cluster.nowMs, 0, List.of(request(1, 1), request(2, 7)));
        for (int follower = 1; follower < cluster.cores.size(); follower++) {
            Output out = cluster.step(follower, new Input.MessageReceived(0, new Propose(0, 5, 0, stale)));
            assertThat(out.sends()).as("follower %d writes", follower).anyMatch(s -> s.message() instanceof Write);
        }
        cluster.runFor(1_000);

        for (int id = 0; id < cluster.cores.size(); id++) {
            assertThat(cluster.cores.get(id).lastDecided()).as("replica %d", id).isEqualTo(5);
            assertThat(cluster.services.get(id).executed).as("replica %d ran nothing of it", id)
                    .hasSize(executedBefore.get(id));
        }
        assertThat(sameSessionsEverywhere()).as("no session begun for them").containsExactly(3L, 4L, 5L);
    }

    @Test
    void aRestoredCheckpointEvictsInTheSameOrderAsTheReplicaThatTookIt() {
        ServiceExecutor taker = new ServiceExecutor(cluster.config(0), new ServiceExecutorTest.Recorder());
        long cid = 0;
        for (long client = 1; client <= 4; client++) {
            taker.execute(decision(cid++, request(client, 1)));
        }
        taker.execute(decision(cid++, request(2, 2))); // client 2 becomes the most recent
        ServiceExecutor restored = new ServiceExecutor(cluster.config(1), new ServiceExecutorTest.Recorder());
        restored.restore(image(taker));

        for (long client = 5; client <= 6; client++) {
            Decision next = decision(cid++, request(client, 1));
            taker.execute(next);
            restored.execute(next);
        }
        assertThat(header(restored)).isEqualTo(header(taker));
        assertThat(header(taker).sessions()).extracting(Checkpoint.ClientSession::clientId)
                .containsExactly(2L, 5L, 6L);
    }

    @Test
    void aCheckpointFromALargerClientsMaxIsRefusedLoudly() {
        ServiceExecutor roomy = new ServiceExecutor(cluster.config(0).toBuilder().clientsMax(10).build(),
                new ServiceExecutorTest.Recorder());
        for (long client = 1; client <= 5; client++) {
            roomy.execute(decision(client - 1, request(client, 1)));
        }
        ServiceExecutor small = new ServiceExecutor(cluster.config(0), new ServiceExecutorTest.Recorder());
        assertThatThrownBy(() -> small.restore(image(roomy))).isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("clientsMax 3");
    }

    private static Decision decision(long consensusId, Request... requests) {
        Batch batch = new Batch(5_000 + consensusId, consensusId, List.of(requests));
        return new Decision(consensusId, 0, batch, Digests.ofBatch(batch), List.of());
    }

    /** The header of the checkpoint {@code executor} would take now. */
    private static Checkpoint header(ServiceExecutor executor) {
        try (ServiceExecutor.Capture capture = executor.capture()) {
            return capture.header();
        }
    }

    /** The checkpoint {@code executor} would take now, in memory. */
    private static CheckpointImage image(ServiceExecutor executor) {
        try {
            return executor.checkpoint(new MemoryImageStore(), 1024);
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }
}
