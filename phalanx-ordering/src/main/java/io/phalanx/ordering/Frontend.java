package io.phalanx.ordering;

import io.grpc.ManagedChannel;
import io.grpc.Server;
import io.grpc.netty.shaded.io.grpc.netty.NettyServerBuilder;
import io.grpc.stub.ServerCallStreamObserver;
import io.grpc.stub.StreamObserver;
import io.phalanx.core.message.Bytes;
import io.phalanx.core.view.View;
import io.phalanx.runtime.Client;
import io.phalanx.runtime.CoreSettings;
import org.hyperledger.fabric.protos.common.Block;
import org.hyperledger.fabric.protos.common.Envelope;
import org.hyperledger.fabric.protos.common.Status;
import org.hyperledger.fabric.protos.orderer.AtomicBroadcastGrpc;
import org.hyperledger.fabric.protos.orderer.BroadcastResponse;
import org.hyperledger.fabric.protos.orderer.DeliverResponse;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;

/**
 * A frontend: Fabric's {@code AtomicBroadcast} service for Fabric clients, over the ordering
 * nodes. {@code Broadcast} orders each envelope through a Phalanx {@link Client} (answered in
 * order with Fabric's status); {@code Deliver} reads every node's copies of the blocks
 * ({@link NodeDeliverService}) and hands a block on, in order, only once the valid signatures of a
 * quorum of the members of the view that decided it, under the keys that view names, are on one
 * header ({@link BlockSignatures}), so a node that forges or withholds blocks is outvoted. A view
 * it does not know yet (the nodes were reconfigured, or a key rotated, since the cluster file it
 * started with) it reads from the nodes ({@link OrderingOperation.ViewOf}, a query a quorum must
 * answer alike). It also sends each channel's time-to-cut once the first pending envelope has
 * waited the batch timeout.
 *
 * <p>Both of its gRPC sides run TLS ({@link OrderingTls}): to the nodes with mutual
 * authentication by the cluster file's keys, to Fabric clients with the frontend's certificate
 * (or plaintext, if asked). With {@link Writers}, an envelope whose creator may not write is
 * answered {@code FORBIDDEN} before it is ordered. It reads blocks from the nodes whose deliver
 * endpoints it was given at start: a node added since signs blocks it does not read from that
 * node, so their quorum comes from the others.
 */
public final class Frontend implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(Frontend.class);
    /** How often pending envelopes are checked against the batch timeout. */
    private static final long CUT_CHECK_MS = 50;
    /** How long a deliver stream to a node that failed waits before it is opened again. */
    private static final long REOPEN_MS = 500;
    /** Envelopes of one broadcast stream being ordered at once. */
    private static final int BROADCAST_WINDOW = 128;

    private final Client client;
    private final View view;
    /** The views blocks were decided in, by id, as far as known: the start view and those read since. */
    private final Map<Long, View> views = new ConcurrentHashMap<>();
    /** Views being read from the nodes. */
    private final Set<Long> viewsAsked = ConcurrentHashMap.newKeySet();
    /** Deliveries under way, which a view just read may let go on. */
    private final Set<Delivery> deliveries = ConcurrentHashMap.newKeySet();
    /**
     * Checks the nodes' block signatures; its cache makes a signature seen again (a block's copies
     * are checked again as each node's copy arrives) cost no second verification.
     */
    private final io.phalanx.core.crypto.SignatureVerifier verifier = CoreSettings.replicaVerifier();
    /** Checked before an envelope is ordered, so a forbidden one is answered at once. */
    private final Writers writers;
    private final Map<Integer, ManagedChannel> nodes = new TreeMap<>();
    private final Set<String> channels;
    private final Server server;
    private final ScheduledExecutorService cutter;
    /** Channels whose height query is out. */
    private final Set<String> heightAsked = ConcurrentHashMap.newKeySet();
    /** Per channel, the block a time-to-cut was last sent for. */
    private final Map<String, Long> cutRequested = new ConcurrentHashMap<>();

    private Frontend(Client client, View view, Map<Integer, InetSocketAddress> nodeDeliver, Set<String> channels,
                     InetSocketAddress listen, OrderingTls tls, boolean plaintextForFabricClients, Writers writers) {
        this.client = client;
        this.writers = java.util.Objects.requireNonNull(writers, "writers");
        this.view = view;
        this.views.put(view.id(), view);
        this.channels = Set.copyOf(channels);
        nodeDeliver.forEach((id, address) -> nodes.put(id, tls.channelToNode(address)));
        NettyServerBuilder fabricSide = plaintextForFabricClients ? NettyServerBuilder.forAddress(listen)
                : OrderingTls.fabricServer(listen, tls.identity());
        this.server = fabricSide.addService(new Service()).build();
        this.cutter = Executors.newSingleThreadScheduledExecutor(runnable -> {
            Thread thread = new Thread(runnable, "phalanx-frontend-cut");
            thread.setDaemon(true);
            return thread;
        });
    }

    /**
     * Starts a frontend.
     *
     * @param client      the Phalanx client it orders envelopes with (closed by {@link #close})
     * @param view        the view whose members sign blocks
     * @param nodeDeliver each node's deliver endpoint, by replica id
     * @param channels    the channels whose batch timeouts it watches
     * @param listen      where Fabric clients reach it; port 0 picks a free one
     * @param tls         the frontend's key (its Phalanx client's), which it presents to nodes and,
     *                    unless {@code plaintextForFabricClients}, to Fabric clients; and the nodes' keys
     * @param plaintextForFabricClients serve Fabric clients without TLS (for clients set up without it)
     * @param writers     who may write, as the nodes check it ({@link Writers#ANYONE}: no check): an
     *                    envelope they would refuse is answered {@code FORBIDDEN} without being sent
     * @return the running frontend
     * @throws IOException if it cannot listen there
     */
    public static Frontend start(Client client, View view, Map<Integer, InetSocketAddress> nodeDeliver,
                                 Set<String> channels, InetSocketAddress listen, OrderingTls tls,
                                 boolean plaintextForFabricClients, Writers writers) throws IOException {
        Frontend frontend = new Frontend(client, view, nodeDeliver, channels, listen, tls, plaintextForFabricClients,
                writers);
        try {
            frontend.server.start();
        } catch (IOException e) {
            frontend.close();
            throw new IOException("frontend cannot listen at " + listen + ": " + e.getMessage(), e);
        }
        frontend.cutter.scheduleWithFixedDelay(frontend::cutWhereDue, CUT_CHECK_MS, CUT_CHECK_MS, TimeUnit.MILLISECONDS);
        return frontend;
    }

    /**
     * The port Fabric clients connect to.
     *
     * @return the bound port
     */
    public int port() {
        return server.getPort();
    }

    /**
     * Sends a channel's time-to-cut once its first pending envelope waited the batch timeout. The
     * height queries are asynchronous, one per channel at a time, so a slow answer holds up neither
     * the other channels nor the reopening of node streams on the same scheduler.
     */
    private void cutWhereDue() {
        for (String channel : channels) {
            if (!heightAsked.add(channel)) {
                continue; // the last query is still out
            }
            client.invokeUnorderedAsync(new OrderingOperation.Height(channel).encode()).whenComplete((answer, failure) -> {
                heightAsked.remove(channel);
                if (failure != null) {
                    log.debug("frontend: time-to-cut check of channel {} failed: {}", channel, failure.toString());
                    return;
                }
                try {
                    OrderingService.ChannelHeight height = OrderingService.ChannelHeight.decode(answer);
                    if (height.pending() > 0 && System.currentTimeMillis() >= height.firstPendingAtMs() + height.batchTimeoutMs()
                            && !Long.valueOf(height.nextBlock()).equals(cutRequested.put(channel, height.nextBlock()))) {
                        client.invokeAsync(new OrderingOperation.TimeToCut(channel, height.nextBlock()).encode());
                    }
                } catch (RuntimeException e) {
                    log.debug("frontend: time-to-cut check of channel {} failed: {}", channel, e.toString());
                }
            });
        }
    }

    /**
     * The view with id {@code viewId} if known; otherwise null, and it is read from the nodes (one
     * query per view at a time), after which every delivery checks its next block again. A query
     * that fails or finds nothing is tried again when a delivery next asks, at the latest after
     * {@link #REOPEN_MS}.
     */
    private View knownView(long viewId) {
        View known = views.get(viewId);
        if (known != null || !viewsAsked.add(viewId)) {
            return known;
        }
        client.invokeUnorderedAsync(new OrderingOperation.ViewOf(viewId).encode()).whenComplete((answer, failure) -> {
            boolean learned = false;
            try {
                if (failure != null) {
                    log.debug("frontend: reading view {} failed: {}", viewId, failure.toString());
                } else {
                    OrderingService.ViewAnswer decoded = OrderingService.ViewAnswer.decode(answer);
                    if (decoded.encodedView() == null) {
                        log.debug("frontend: view {} not read: {}", viewId, decoded.refusal());
                    } else {
                        View read = io.phalanx.core.codec.MessageCodec.decodeView(decoded.encodedView().toArray());
                        if (read.id() == viewId) {
                            views.put(viewId, read);
                            learned = true;
                            log.info("frontend: read view {} (members {}) to check the blocks it decided", viewId,
                                    read.members());
                        }
                    }
                }
            } catch (IllegalArgumentException | io.phalanx.core.codec.CodecException e) {
                log.warn("frontend: the nodes answered view {} with what is no view: {}", viewId, e.getMessage());
            } finally {
                viewsAsked.remove(viewId);
            }
            try {
                if (learned) {
                    deliveries.forEach(Delivery::recheck);
                } else {
                    cutter.schedule(() -> deliveries.forEach(Delivery::recheck), REOPEN_MS, TimeUnit.MILLISECONDS);
                }
            } catch (java.util.concurrent.RejectedExecutionException stopping) {
                // the frontend is closing
            }
        });
        return null;
    }

    @Override
    public void close() {
        cutter.shutdownNow();
        server.shutdownNow();
        nodes.values().forEach(ManagedChannel::shutdownNow);
        client.close();
    }

    /** The gRPC service. */
    private final class Service extends AtomicBroadcastGrpc.AtomicBroadcastImplBase {
        @Override
        public StreamObserver<Envelope> broadcast(StreamObserver<BroadcastResponse> responses) {
            // Flow control: at most BROADCAST_WINDOW envelopes of a stream are being ordered at a
            // time, and gRPC reads the next one only as one is answered, so a client that sends
            // faster than the nodes order waits (its stream's buffers fill) instead of piling up
            // calls that would time out and be retransmitted to every node.
            ServerCallStreamObserver<BroadcastResponse> call = (ServerCallStreamObserver<BroadcastResponse>) responses;
            call.disableAutoRequest();
            call.request(BROADCAST_WINDOW);
            return new StreamObserver<>() {
                /** Answers leave in the order the envelopes came. */
                private CompletableFuture<Void> previous = CompletableFuture.completedFuture(null);

                @Override
                public synchronized void onNext(Envelope envelope) {
                    String forbidden = writers.problem(envelope);
                    CompletableFuture<Bytes> ordered = forbidden != null
                            ? CompletableFuture.completedFuture(new OrderingService.Result(Status.FORBIDDEN, forbidden).encode())
                            : client.invokeAsync(new OrderingOperation.Broadcast(envelope.toByteString()).encode());
                    previous = previous.thenCombine(ordered.handle((result, failure) -> failure == null
                            ? OrderingService.Result.decode(result)
                            : new OrderingService.Result(Status.SERVICE_UNAVAILABLE, String.valueOf(failure.getMessage()))),
                            (ignored, result) -> {
                                synchronized (responses) {
                                    responses.onNext(BroadcastResponse.newBuilder().setStatus(result.status())
                                            .setInfo(result.info()).build());
                                    call.request(1);
                                }
                                return null;
                            });
                }

                @Override
                public void onError(Throwable t) {
                    // the client went away; answers still due are dropped by gRPC
                }

                @Override
                public synchronized void onCompleted() {
                    previous.whenComplete((ignored, failure) -> {
                        synchronized (responses) {
                            responses.onCompleted();
                        }
                    });
                }
            };
        }

        @Override
        public StreamObserver<Envelope> deliver(StreamObserver<DeliverResponse> responses) {
            ServerCallStreamObserver<DeliverResponse> call = (ServerCallStreamObserver<DeliverResponse>) responses;
            List<Delivery> deliveries = new java.util.concurrent.CopyOnWriteArrayList<>();
            call.setOnCancelHandler(() -> deliveries.forEach(Delivery::cancelNodes));
            return new StreamObserver<>() {
                @Override
                public void onNext(Envelope request) {
                    Delivery delivery = new Delivery(call);
                    deliveries.add(delivery);
                    delivery.start(request);
                }

                @Override
                public void onError(Throwable t) {
                }

                @Override
                public void onCompleted() {
                }
            };
        }
    }

    /** One deliver request: the nodes' copies of each block, handed on once a quorum signed one header. */
    private final class Delivery {
        private final ServerCallStreamObserver<DeliverResponse> call;
        /** Each node's open stream, by replica id. */
        private final Map<Integer, StreamObserver<Envelope>> nodeRequests = new HashMap<>();
        /** The nodes asked for whole blocks; the others send headers and signatures. */
        private Set<Integer> dataSources = Set.of();
        /** By block number, each node's copy. */
        private final Map<Long, Map<Integer, Block>> copies = new HashMap<>();
        private Seek seek;
        private long next;
        private boolean done;

        Delivery(ServerCallStreamObserver<DeliverResponse> call) {
            this.call = call;
        }

        void start(Envelope request) {
            Seek resolved;
            try {
                String channel = Seek.channel(request);
                Bytes answer = client.invokeUnordered(new OrderingOperation.Height(channel).encode());
                if (answer.length() != 28) {
                    finish(OrderingService.Result.decode(answer).status());
                    return;
                }
                resolved = Seek.parse(request, 0, OrderingService.ChannelHeight.decode(answer).nextBlock() - 1);
            } catch (IllegalArgumentException e) {
                finish(Status.BAD_REQUEST);
                return;
            } catch (RuntimeException e) {
                finish(Status.SERVICE_UNAVAILABLE);
                return;
            }
            synchronized (this) {
                seek = resolved;
                next = resolved.first();
            }
            // Whole blocks from f+1 nodes (at least one of them correct), headers and signatures
            // from the others: each block's data crosses to the frontend f+1 times, not n.
            synchronized (this) {
                dataSources = Set.copyOf(nodes.keySet().stream().limit(view.f() + 1L).toList());
            }
            deliveries.add(this);
            nodes.keySet().forEach(this::openNode);
        }

        /**
         * Opens a stream to node {@code id} from the next block not handed on yet. A stream that
         * fails (the node restarted, the link broke) is opened again after {@link #REOPEN_MS}, so
         * a long delivery outlives restarts of every node, one at a time.
         */
        private synchronized void openNode(int id) {
            if (done || cutter.isShutdown()) {
                return;
            }
            StreamObserver<Envelope> nodeRequest = AtomicBroadcastGrpc.newStub(nodes.get(id)).deliver(new StreamObserver<>() {
                @Override
                public void onNext(DeliverResponse response) {
                    if (response.hasBlock()) {
                        offer(id, response.getBlock());
                    }
                }

                @Override
                public void onError(Throwable t) {
                    log.debug("frontend: node {} deliver stream failed ({}); opening it again", id, t.toString());
                    try {
                        cutter.schedule(() -> openNode(id), REOPEN_MS, TimeUnit.MILLISECONDS);
                    } catch (java.util.concurrent.RejectedExecutionException stopping) {
                        // the frontend is closing
                    }
                }

                @Override
                public void onCompleted() {
                }
            });
            nodeRequests.put(id, nodeRequest);
            nodeRequest.onNext(Seek.request(seek.channelId(), next, seek.last(), !dataSources.contains(id)));
        }

        private synchronized void offer(int node, Block block) {
            long number = block.getHeader().getNumber();
            if (done || number < next || number > seek.last()) {
                return;
            }
            copies.computeIfAbsent(number, n -> new HashMap<>()).putIfAbsent(node, block);
            recheck();
        }

        /** Hands on the blocks, in order, that a quorum signed. */
        private synchronized void recheck() {
            while (!done && copies.containsKey(next)) {
                Block agreed = quorumCopy(copies.get(next));
                if (agreed == null) {
                    return;
                }
                call.onNext(DeliverResponse.newBuilder().setBlock(agreed).build());
                copies.remove(next);
                next++;
                if (next > seek.last()) {
                    finish(Status.SUCCESS);
                }
            }
        }

        /**
         * A copy signed by a quorum with the data of a whole copy ({@link BlockSignatures#quorumCopy});
         * null if there is none yet. Copies without data (headers and signatures) count for their
         * signatures only.
         */
        private Block quorumCopy(Map<Integer, Block> byNode) {
            return BlockSignatures.quorumCopy(byNode.values(), Frontend.this::knownView, verifier);
        }

        private synchronized void finish(Status status) {
            if (done) {
                return;
            }
            done = true;
            cancelNodes();
            if (!call.isCancelled()) {
                call.onNext(DeliverResponse.newBuilder().setStatus(status).build());
                call.onCompleted();
            }
        }

        private synchronized void cancelNodes() {
            done = true;
            deliveries.remove(this);
            for (StreamObserver<Envelope> request : nodeRequests.values()) {
                try {
                    request.onError(io.grpc.Status.CANCELLED.withDescription("delivered").asRuntimeException());
                } catch (RuntimeException e) {
                    // already closed
                }
            }
            nodeRequests.clear();
        }
    }
}
