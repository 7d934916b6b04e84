package io.phalanx.bench.fabric;

import com.google.protobuf.ByteString;
import com.google.protobuf.InvalidProtocolBufferException;
import io.grpc.ManagedChannel;
import io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder;
import io.grpc.stub.StreamObserver;
import io.phalanx.core.view.View;
import io.phalanx.ordering.BlockSignatures;
import io.phalanx.ordering.Blocks;
import io.phalanx.ordering.Seek;
import org.hyperledger.fabric.protos.common.Block;
import org.hyperledger.fabric.protos.common.Envelope;
import org.hyperledger.fabric.protos.orderer.AtomicBroadcastGrpc;
import org.hyperledger.fabric.protos.orderer.DeliverResponse;

import java.net.InetSocketAddress;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;

/**
 * A Fabric client of an ordering service, on fabric-protos' {@code AtomicBroadcast} gRPC stubs:
 * it broadcasts envelopes through the frontends ({@link Offer}) and reads the blocks back from
 * each of them, as a peer reading from each frontend would. Every block that comes back is
 * checked: it must follow the one before (number, previous header hash, data hash) and carry
 * the valid signatures of a quorum of the view. An envelope counts as delivered when a block
 * holding it comes from the frontend it was broadcast through; its latency runs from its
 * broadcast to then. Thread-safe.
 *
 * <p>Errors it counts ({@link Counts}): blocks that fail the check, an envelope delivered twice
 * by its frontend, one this client never broadcast, and deliver streams that end or fail.
 */
public final class FabricClient implements AutoCloseable {
    private static final long SHUTDOWN_WAIT_SECONDS = 5;

    /** An envelope broadcast and not delivered yet. */
    record Pending(Offer offer, int frontend, long sentAtNanos, boolean measured) {
    }

    /**
     * What the deliver streams saw so far; {@link #minus} gives what they saw in between two snapshots.
     *
     * @param delivered       envelopes of this client delivered (once each) by their frontends
     * @param blocks          blocks delivered by the first frontend
     * @param badBlocks       blocks that failed the chain or signature check, from any frontend
     * @param deliveredTwice  envelopes a frontend delivered again
     * @param unexpected      envelopes in blocks that this client did not broadcast (or not readable)
     * @param deliverFailures deliver streams that ended or failed
     */
    public record Counts(long delivered, long blocks, long badBlocks, long deliveredTwice, long unexpected,
                         long deliverFailures) {
        /**
         * What happened since {@code earlier}.
         *
         * @param earlier an earlier snapshot
         * @return the differences
         */
        public Counts minus(Counts earlier) {
            return new Counts(delivered - earlier.delivered, blocks - earlier.blocks, badBlocks - earlier.badBlocks,
                    deliveredTwice - earlier.deliveredTwice, unexpected - earlier.unexpected,
                    deliverFailures - earlier.deliverFailures);
        }

        /**
         * The errors among them.
         *
         * @return bad blocks, envelopes delivered twice or unexpected, and failed deliver streams
         */
        public long errors() {
            return badBlocks + deliveredTwice + unexpected + deliverFailures;
        }
    }

    private final String channel;
    private final View view;
    /** Checks the nodes' block signatures (Bouncy Castle, as the nodes sign them). */
    private final io.phalanx.core.crypto.SignatureVerifier verifier = io.phalanx.runtime.CoreSettings.replicaVerifier();
    private final List<ManagedChannel> frontends = new ArrayList<>();
    private final Map<String, Pending> pending = new ConcurrentHashMap<>();
    /** The frontend that delivered each envelope, by transaction id: a second delivery by it is an error. */
    private final Map<String, Integer> delivered = new ConcurrentHashMap<>();
    private final List<StreamObserver<Envelope>> deliverRequests = new CopyOnWriteArrayList<>();
    private final List<Offer> offers = new CopyOnWriteArrayList<>();
    private final AtomicLong deliveredCount = new AtomicLong();
    private final AtomicLong blocks = new AtomicLong();
    private final AtomicLong badBlocks = new AtomicLong();
    private final AtomicLong deliveredTwice = new AtomicLong();
    private final AtomicLong unexpected = new AtomicLong();
    private final AtomicLong deliverFailures = new AtomicLong();
    private final AtomicReference<String> firstProblem = new AtomicReference<>();
    private volatile boolean closing;

    private FabricClient(String channel, View view, List<InetSocketAddress> frontendAddresses,
                         List<java.security.PublicKey> frontendKeys) {
        this.channel = channel;
        this.view = view;
        for (InetSocketAddress address : frontendAddresses) {
            frontends.add(io.phalanx.ordering.OrderingTls.fabricChannel(address, frontendKeys));
        }
    }

    /**
     * A client of the frontends at {@code frontends} (gRPC over TLS), for one channel.
     *
     * @param channel      the channel it broadcasts to and reads blocks of
     * @param view         the view whose members sign the blocks
     * @param frontends    the frontends' addresses, at least one
     * @param frontendKeys the public keys of the certificates the frontends present
     * @return the client; nothing is sent before {@link #deliverFromStart} or {@link #offer}
     */
    public static FabricClient connect(String channel, View view, List<InetSocketAddress> frontends,
                                       List<java.security.PublicKey> frontendKeys) {
        if (frontends.isEmpty()) {
            throw new IllegalArgumentException("a Fabric client needs at least one frontend");
        }
        return new FabricClient(channel, view, frontends, frontendKeys);
    }

    /** Opens a deliver stream from block 0 at every frontend, each block checked as it comes. */
    public void deliverFromStart() {
        for (int i = 0; i < frontends.size(); i++) {
            StreamObserver<Envelope> request = AtomicBroadcastGrpc.newStub(frontends.get(i)).deliver(new BlockReader(i));
            deliverRequests.add(request);
            request.onNext(Seek.request(channel, 0, Long.MAX_VALUE));
        }
    }

    /**
     * Starts offering a load through broadcast streams to the frontends; the caller sends with
     * {@link Offer#sendDue} from one thread.
     *
     * @param shape             the load
     * @param measuredFromNanos envelopes due from this {@link System#nanoTime} on have their latency recorded
     * @return the offer, started now
     */
    public Offer offer(Offer.Shape shape, long measuredFromNanos) {
        Offer offer = new Offer(this, shape, System.nanoTime(), measuredFromNanos);
        offers.add(offer);
        return offer;
    }

    /**
     * What the deliver streams saw so far.
     *
     * @return a snapshot of the counts
     */
    public Counts counts() {
        return new Counts(deliveredCount.get(), blocks.get(), badBlocks.get(), deliveredTwice.get(), unexpected.get(),
                deliverFailures.get());
    }

    /**
     * The first thing that went wrong: a failed check, a refused envelope, a failed stream.
     *
     * @return its description, or null if nothing did
     */
    public String firstProblem() {
        return firstProblem.get();
    }

    String channel() {
        return channel;
    }

    int frontendCount() {
        return frontends.size();
    }

    ManagedChannel frontend(int index) {
        return frontends.get(index);
    }

    /** Registers an envelope before it leaves, so that its delivery cannot come first. */
    void sent(String txId, Pending envelope) {
        pending.put(txId, envelope);
    }

    /** Drops an envelope that will not be delivered (refused, or its stream failed); whether it was still pending. */
    boolean forget(String txId) {
        return pending.remove(txId) != null;
    }

    void problem(String description) {
        firstProblem.compareAndSet(null, description);
    }

    private void delivered(ByteString envelope, int frontend, long atNanos) {
        String txId;
        try {
            txId = FabricEnvelopes.txId(envelope);
        } catch (InvalidProtocolBufferException e) {
            unexpected.incrementAndGet();
            problem("a delivered envelope is unreadable: " + e.getMessage());
            return;
        }
        Pending envelopePending = pending.get(txId);
        if (envelopePending != null) {
            if (envelopePending.frontend() == frontend && pending.remove(txId, envelopePending)) {
                delivered.put(txId, frontend);
                deliveredCount.incrementAndGet();
                envelopePending.offer().delivered(envelopePending, atNanos);
            }
            return;
        }
        Integer by = delivered.get(txId);
        if (by == null) {
            unexpected.incrementAndGet();
            problem("frontend " + frontend + " delivered an envelope this client did not broadcast: " + txId);
        } else if (by == frontend) {
            deliveredTwice.incrementAndGet();
            problem("frontend " + frontend + " delivered envelope " + txId + " twice");
        }
    }

    /**
     * Stops reading blocks, ends every offer's streams and closes the connections (waiting up
     * to {@value #SHUTDOWN_WAIT_SECONDS} s).
     */
    @Override
    public void close() {
        closing = true;
        offers.forEach(Offer::finish);
        for (StreamObserver<Envelope> request : deliverRequests) {
            try {
                request.onError(io.grpc.Status.CANCELLED.withDescription("client closing").asRuntimeException());
            } catch (RuntimeException e) {
                // already closed
            }
        }
        frontends.forEach(ManagedChannel::shutdownNow);
        for (ManagedChannel frontend : frontends) {
            try {
                frontend.awaitTermination(SHUTDOWN_WAIT_SECONDS, TimeUnit.SECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return;
            }
        }
    }

    /** One frontend's deliver stream: checks each block against the one before and the view. */
    private final class BlockReader implements StreamObserver<DeliverResponse> {
        private final int frontend;
        private Block previous;

        BlockReader(int frontend) {
            this.frontend = frontend;
        }

        @Override
        public synchronized void onNext(DeliverResponse response) {
            long now = System.nanoTime();
            if (!response.hasBlock()) {
                failed("ended with status " + response.getStatus());
                return;
            }
            Block block = response.getBlock();
            String problem = Blocks.chainProblem(previous, block);
            if (problem == null && !BlockSignatures.signedByQuorum(block, view, verifier)) {
                problem = "block " + block.getHeader().getNumber() + " lacks a quorum of valid signatures";
            }
            if (problem != null) {
                badBlocks.incrementAndGet();
                problem("frontend " + frontend + ": " + problem);
            }
            previous = block;
            if (frontend == 0) {
                blocks.incrementAndGet();
            }
            for (ByteString envelope : block.getData().getDataList()) {
                delivered(envelope, frontend, now);
            }
        }

        @Override
        public void onError(Throwable t) {
            failed("failed: " + t.getMessage());
        }

        @Override
        public void onCompleted() {
            failed("ended");
        }

        private void failed(String how) {
            if (!closing) {
                deliverFailures.incrementAndGet();
                problem("the deliver stream of frontend " + frontend + " " + how);
            }
        }
    }
}
