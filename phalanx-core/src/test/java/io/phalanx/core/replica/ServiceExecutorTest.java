package io.phalanx.core.replica;

import io.phalanx.core.crypto.Digests;
import io.phalanx.core.message.Batch;
import io.phalanx.core.message.Bytes;
import io.phalanx.core.message.Decision;
import io.phalanx.core.message.Reply;
import io.phalanx.core.message.Request;
import io.phalanx.core.message.RequestKind;
import io.phalanx.core.service.ExecutionContext;
import io.phalanx.core.service.Service;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;

import static io.phalanx.core.replica.Cluster.request;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** The execution layer executes decided requests once each, in order, and caches replies. */
class ServiceExecutorTest {
    /** Appends every executed operation to a log and returns the log's length. */
    static final class Recorder implements Service {
        final List<String> executed = new ArrayList<>();
        final List<ExecutionContext> contexts = new ArrayList<>();

        @Override
        public Bytes execute(Bytes operation, ExecutionContext context) {
            executed.add(operation.toUtf8());
            contexts.add(context);
            return Bytes.utf8(Integer.toString(executed.size()));
        }

        @Override
        public Bytes query(Bytes operation) {
            return Bytes.utf8("size=" + executed.size());
        }

        @Override
        public Bytes snapshot() {
            return Bytes.utf8(String.join("\n", executed));
        }

        @Override
        public void restore(Bytes snapshot) {
            executed.clear();
            if (snapshot.length() > 0) {
                executed.addAll(List.of(snapshot.toUtf8().split("\n", -1)));
            }
        }
    }

    private static Decision decision(long cid, Request... requests) {
        Batch batch = new Batch(5_000 + cid, 42 + cid, List.of(requests));
        return new Decision(cid, 0, batch, Digests.ofBatch(batch), List.of());
    }

    @Test
    void executesInBatchOrderWithTheAgreedContext() {
        Recorder service = new Recorder();
        io.phalanx.core.view.View view = io.phalanx.core.view.View.of(0, 4, 1, io.phalanx.core.view.Mode.BFT);
        ServiceExecutor executor = new ServiceExecutor(2, view, service, 16, ReplicaConfig.CLIENTS_DEFAULT);
        List<Reply> replies = executor.execute(decision(0, request(1, 1), request(2, 1)));
        assertThat(service.executed).containsExactly("op-1-1", "op-2-1");
        assertThat(replies).extracting(Reply::sender).containsOnly(2);
        assertThat(replies).extracting(Reply::result).containsExactly(Bytes.utf8("1"), Bytes.utf8("2"));
        assertThat(service.contexts.get(1)).isEqualTo(new ExecutionContext(0, 5_000, 42, 2, 1, view));
    }

    @Test
    void aRequestDecidedTwiceExecutesOnce() {
        Recorder service = new Recorder();
        ServiceExecutor executor = new ServiceExecutor(0, io.phalanx.core.view.View.of(0, 4, 1, io.phalanx.core.view.Mode.BFT), service, 16, ReplicaConfig.CLIENTS_DEFAULT);
        executor.execute(decision(0, request(1, 1)));
        List<Reply> second = executor.execute(decision(1, request(1, 1), request(1, 2)));
        assertThat(service.executed).containsExactly("op-1-1", "op-1-2");
        assertThat(second).hasSize(1);
    }

    @Test
    void aDecisionOutOfOrderStopsTheReplica() {
        ServiceExecutor executor = new ServiceExecutor(0, io.phalanx.core.view.View.of(0, 4, 1, io.phalanx.core.view.Mode.BFT), new Recorder(), 16, ReplicaConfig.CLIENTS_DEFAULT);
        assertThatThrownBy(() -> executor.execute(decision(1, request(1, 1))))
                .isInstanceOf(IllegalStateException.class).hasMessageContaining("last executed -1");
    }

    @Test
    void theReplyIsCachedForRetransmissions() {
        ServiceExecutor executor = new ServiceExecutor(0, io.phalanx.core.view.View.of(0, 4, 1, io.phalanx.core.view.Mode.BFT), new Recorder(), 2, ReplicaConfig.CLIENTS_DEFAULT);
        executor.execute(decision(0, request(1, 1), request(1, 2), request(1, 3)));
        assertThat(executor.cachedReply(request(1, 3).id())).map(Reply::result).contains(Bytes.utf8("3"));
        assertThat(executor.cachedReply(request(1, 1).id())).isEmpty(); // evicted: cache is bounded
        assertThat(executor.cachedReply(request(9, 1).id())).isEmpty();
    }

    @Test
    void queriesReadTheCurrentStateWithoutOrdering() {
        Recorder service = new Recorder();
        ServiceExecutor executor = new ServiceExecutor(3, io.phalanx.core.view.View.of(7, 4, 1, io.phalanx.core.view.Mode.BFT), service, 16, ReplicaConfig.CLIENTS_DEFAULT);
        executor.execute(decision(0, request(1, 1)));
        Reply reply = executor.query(new Request(5, 1, RequestKind.UNORDERED, 7, Bytes.utf8("size")));
        assertThat(reply.result()).isEqualTo(Bytes.utf8("size=1"));
        assertThat(reply.kind()).isEqualTo(RequestKind.UNORDERED);
        assertThat(reply.viewId()).isEqualTo(7);
    }
}
