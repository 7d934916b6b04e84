package io.phalanx.ordering;

import io.grpc.Status;
import io.grpc.stub.ServerCallStreamObserver;
import io.grpc.stub.StreamObserver;
import org.hyperledger.fabric.protos.common.Block;
import org.hyperledger.fabric.protos.common.Envelope;
import org.hyperledger.fabric.protos.orderer.AtomicBroadcastGrpc;
import org.hyperledger.fabric.protos.orderer.BroadcastResponse;
import org.hyperledger.fabric.protos.orderer.DeliverResponse;

import java.io.IOException;
import java.util.concurrent.ExecutorService;

/**
 * A node's own {@code Deliver}: the blocks of its block store, each signed by this node only, for
 * frontends, which gather the copies of every node and hand a block on only once a quorum of
 * nodes signed it ({@link Frontend}). Each request is served on a thread of {@code executor},
 * which waits for blocks not yet cut ({@code BLOCK_UNTIL_READY}) and stops when the caller
 * cancels. {@code Broadcast} goes through the frontends, not here.
 */
final class NodeDeliverService extends AtomicBroadcastGrpc.AtomicBroadcastImplBase {
    /** How long one wait for the next block lasts before the stream checks it was cancelled. */
    private static final long WAIT_SLICE_MS = 200;

    private final OrderingNode node;
    private final ExecutorService executor;

    NodeDeliverService(OrderingNode node, ExecutorService executor) {
        this.node = node;
        this.executor = executor;
    }

    @Override
    public StreamObserver<Envelope> broadcast(StreamObserver<BroadcastResponse> responses) {
        responses.onError(Status.UNIMPLEMENTED.withDescription("broadcast through a frontend").asRuntimeException());
        return new Ignore<>();
    }

    @Override
    public StreamObserver<Envelope> deliver(StreamObserver<DeliverResponse> responses) {
        ServerCallStreamObserver<DeliverResponse> call = (ServerCallStreamObserver<DeliverResponse>) responses;
        return new StreamObserver<>() {
            @Override
            public void onNext(Envelope request) {
                executor.execute(() -> serve(request, call));
            }

            @Override
            public void onError(Throwable t) {
                // the caller went away: the serving thread sees the call cancelled
            }

            @Override
            public void onCompleted() {
                // a request already sent is still served
            }
        };
    }

    private void serve(Envelope request, ServerCallStreamObserver<DeliverResponse> call) {
        try {
            String channel = Seek.channel(request);
            long height = node.height(channel);
            if (height < 0) {
                finish(call, org.hyperledger.fabric.protos.common.Status.NOT_FOUND);
                return;
            }
            Seek seek = Seek.parse(request, node.first(channel), height - 1);
            for (long number = seek.first(); number <= seek.last() && !call.isCancelled(); number++) {
                while (!node.awaitBlock(channel, number, WAIT_SLICE_MS)) {
                    if (call.isCancelled()) {
                        return;
                    }
                    if (!seek.waitIfAbsent()) {
                        finish(call, org.hyperledger.fabric.protos.common.Status.NOT_FOUND);
                        return;
                    }
                }
                Block block = node.block(channel, number);
                if (block == null) { // pruned
                    finish(call, org.hyperledger.fabric.protos.common.Status.NOT_FOUND);
                    return;
                }
                call.onNext(DeliverResponse.newBuilder().setBlock(seek.headersOnly() ? block.toBuilder().clearData().build()
                        : block).build());
            }
            finish(call, org.hyperledger.fabric.protos.common.Status.SUCCESS);
        } catch (IllegalArgumentException e) {
            finish(call, org.hyperledger.fabric.protos.common.Status.BAD_REQUEST);
        } catch (IOException e) {
            call.onError(Status.INTERNAL.withDescription(e.getMessage()).asRuntimeException());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            call.onError(Status.UNAVAILABLE.withDescription("the node is stopping").asRuntimeException());
        } catch (RuntimeException e) {
            if (!call.isCancelled()) {
                throw e;
            }
        }
    }

    private static void finish(ServerCallStreamObserver<DeliverResponse> call, org.hyperledger.fabric.protos.common.Status status) {
        if (!call.isCancelled()) {
            call.onNext(DeliverResponse.newBuilder().setStatus(status).build());
            call.onCompleted();
        }
    }

    /** Discards what a refused stream still sends. */
    static final class Ignore<T> implements StreamObserver<T> {
        @Override
        public void onNext(T value) {
        }

        @Override
        public void onError(Throwable t) {
        }

        @Override
        public void onCompleted() {
        }
    }
}
