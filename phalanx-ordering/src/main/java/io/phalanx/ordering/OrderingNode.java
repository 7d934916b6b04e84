package io.phalanx.ordering;

import io.phalanx.core.crypto.SignatureVerifier;
import io.phalanx.core.crypto.Signer;
import io.phalanx.core.storage.CorruptLogException;
import io.phalanx.core.service.RequestVerifier;
import io.phalanx.core.view.View;
import io.phalanx.runtime.CoreSettings;
import io.phalanx.runtime.Replica;
import io.phalanx.runtime.config.ConfigException;
import io.phalanx.runtime.keys.NodeIdentity;
import io.phalanx.runtime.storage.FileStorage;
import org.hyperledger.fabric.protos.common.Block;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * An ordering node: a Phalanx {@link Replica} running the {@link OrderingService}, which signs
 * each block it cuts with the node's key ({@link BlockSignatures}, on the execution thread, not
 * the protocol thread) and stores it in the channel's {@link BlockStore} under
 * {@code DATA/blocks/CHANNEL} before execution goes on. A node that restarts executes its last
 * decisions again and cuts the blocks it stored already; storing them again does nothing.
 *
 * <p>A node whose state came by state transfer (a wiped disk, or far behind) cuts blocks after
 * ones its store lacks. It keeps the latest block it cut and fetches the missing ones from its
 * peers' deliver endpoints ({@link #fetchMissingBlocksFrom}), {@link #FETCH_WINDOW} blocks at a
 * time (so memory stays bounded however far behind it is): the whole blocks from one peer, their
 * headers and signatures (Fabric's {@code HEADER_WITH_SIG}) from the others. It stores a block
 * only once it chains to the last stored one and carries the valid signatures of f+1 members of
 * the view, at least one of them correct, so a peer cannot slip in another block; it adds its
 * own signature to each. A peer that serves less, or blocks that fail the checks, is passed over
 * for the next one. The blocks then chain to the block it cut itself.
 */
public final class OrderingNode implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(OrderingNode.class);
    /** The most blocks a node behind fetches from a peer at once (they stay in memory until they are checked and stored). */
    static final int FETCH_WINDOW = 16;
    /** How long a peer may take to serve a window's whole blocks before the next peer is asked. */
    private static final long BLOCKS_WAIT_MS = 30_000;
    /** How long the other peers' headers and signatures are waited for once the whole blocks came. */
    private static final long HEADERS_WAIT_MS = 5_000;
    /** Segments of a channel's block store: 64 MiB. */
    private static final long SEGMENT_BYTES = 64L << 20;

    private final int id;
    private final Map<String, BlockStore> stores;
    /** Signs with the key this node started with: until its replica has started (blocks cut again on replay). */
    private final Signer startSigner;
    /** The public key {@link #startSigner} signs under. */
    private final io.phalanx.core.message.Bytes startKey;
    private final OrderingService service;
    /** Checks the signatures on blocks fetched from peers. */
    private final SignatureVerifier verifier = CoreSettings.replicaVerifier();
    /**
     * The replica, once its start returned; volatile because the execution thread, which the
     * replica starts (and which may cut blocks, see {@link #signerFor}), reads it.
     */
    private volatile Replica replica;
    private final Map<String, Long> storeBehind = new java.util.concurrent.ConcurrentHashMap<>();
    /** Per channel whose store is behind, the latest block cut (and signed) here: the anchor of the fetch. */
    private final Map<String, Block> latestCut = new java.util.concurrent.ConcurrentHashMap<>();
    /** The peers' deliver endpoints, by replica id; empty: no fetching. */
    private volatile Map<Integer, java.net.InetSocketAddress> peers = Map.of();
    /** How this node reaches its peers' deliver endpoints; set with {@link #peers}. */
    private volatile OrderingTls tls;
    private final java.util.concurrent.ExecutorService fetcher = java.util.concurrent.Executors.newSingleThreadExecutor(
            runnable -> {
                Thread thread = new Thread(runnable, "phalanx-orderer-block-fetch");
                thread.setDaemon(true);
                return thread;
            });
    private final Map<Integer, io.grpc.ManagedChannel> peerChannels = new java.util.concurrent.ConcurrentHashMap<>();
    /** Notified whenever a block is stored. */
    private final Object stored = new Object();

    private OrderingNode(int id, Map<String, BlockStore> stores, NodeIdentity identity, Replica.Builder builder,
                         Map<String, OrderingService.Channel> channels, int dedupWindow, RequestVerifier refusing)
            throws IOException, ConfigException {
        this.id = id;
        this.stores = stores;
        this.startSigner = CoreSettings.signer(identity.privateKey());
        this.startKey = io.phalanx.core.message.Bytes.copyOf(identity.certificate().getPublicKey().getEncoded());
        OrderingService service = new OrderingService(channels, dedupWindow, this::store);
        this.service = service;
        this.replica = builder.service(service)
                .requestVerifier(request -> service.admits(request.operation()) && refusing.isValid(request)).start();
    }

    /**
     * Starts a node.
     *
     * @param builder     the replica's builder with its config, id, key and data directory set (not its service)
     * @param id          the replica's id, as given to {@code builder}
     * @param identity    the key it starts with; each block is signed with the key its view names for the node
     * @param dataDirectory its data directory, as given to {@code builder}; the blocks go under {@code blocks/}
     * @param channels    the channels it orders
     * @param dedupWindow how many of a channel's last envelopes a repeat of is ordered once
     * @return the running node
     * @throws IOException     if a block store cannot be opened or the replica cannot start
     * @throws ConfigException if the replica's config is invalid
     */
    public static OrderingNode start(Replica.Builder builder, int id, NodeIdentity identity, Path dataDirectory,
                                     Map<String, OrderingService.Channel> channels, int dedupWindow)
            throws IOException, ConfigException {
        return start(builder, id, identity, dataDirectory, channels, dedupWindow, RequestVerifier.ACCEPT_ALL);
    }

    /**
     * Starts a node that also refuses what {@code refusing} refuses: a node that censors, for
     * tests of how the others get around it.
     */
    static OrderingNode start(Replica.Builder builder, int id, NodeIdentity identity, Path dataDirectory,
                              Map<String, OrderingService.Channel> channels, int dedupWindow, RequestVerifier refusing)
            throws IOException, ConfigException {
        Map<String, BlockStore> stores = new TreeMap<>();
        try {
            for (Map.Entry<String, OrderingService.Channel> channel : channels.entrySet()) {
                BlockStore store = BlockStore.open(FileStorage.open(dataDirectory.resolve("blocks").resolve(channel.getKey())),
                        SEGMENT_BYTES, Integer.MAX_VALUE - 64);
                stores.put(channel.getKey(), store);
                Block genesis = channel.getValue().genesis();
                if (genesis != null && store.height() == 0) {
                    store.append(genesis);
                }
            }
            return new OrderingNode(id, stores, identity, builder, channels, dedupWindow,
                    refusing);
        } catch (CorruptLogException e) {
            closeAll(stores);
            throw new IOException("block store of replica " + id + ": " + e.getMessage(), e);
        } catch (BlockStore.BlockRefusedException e) {
            closeAll(stores);
            throw new IOException("block store of replica " + id + " holds another genesis block: " + e.getMessage(), e);
        } catch (IOException | ConfigException | RuntimeException e) {
            closeAll(stores);
            throw e;
        }
    }

    /**
     * The signer of the key {@code view} names for this node (a key rotation's new key from the
     * view that installs it on). While the replica starts, replaying logged decisions whose blocks
     * are mostly stored already, only the key it started with is at hand: a block of a view that
     * names another key is then stored with that signature, which readers do not count.
     */
    private Signer signerFor(View view) {
        Replica running = replica;
        if (running != null) {
            return running.signerFor(view);
        }
        if (!startKey.equals(view.publicKeys().get(id))) {
            log.warn("replica {}: a block of view {} cut again while starting is signed with the key it started with,"
                    + " not the one that view names", id, view.id());
        }
        return startSigner;
    }

    /** Signs and stores a cut block; a failing disk stops the replica (execution cannot go on without it). */
    private void store(OrderingService.CutBlock cut) {
        BlockStore store = stores.get(cut.channelId());
        Block signed = BlockSignatures.sign(cut.block(), id, signerFor(cut.view()), cut.lastConfigBlock(), cut.nonce(),
                cut.view().id());
        try {
            store.append(signed);
            storeBehind.remove(cut.channelId());
            synchronized (stored) {
                stored.notifyAll();
            }
        } catch (BlockStore.BlockRefusedException e) {
            if (cut.block().getHeader().getNumber() > store.height()) {
                if (storeBehind.putIfAbsent(cut.channelId(), cut.block().getHeader().getNumber()) == null) {
                    log.warn("replica {}: channel {}'s block store ends at block {} but block {} was cut (the state came"
                            + " by state transfer): it fetches the missing blocks from its peers", id, cut.channelId(),
                            store.height() - 1, cut.block().getHeader().getNumber());
                }
                if (latestCut.put(cut.channelId(), signed) == null) {
                    fetcher.execute(() -> fetchMissing(cut.channelId()));
                }
                return;
            }
            throw new IllegalStateException("replica " + id + ": channel " + cut.channelId() + ": " + e.getMessage(), e);
        } catch (IOException e) {
            throw new UncheckedIOException("replica " + id + ": channel " + cut.channelId() + ": cannot store block "
                    + cut.block().getHeader().getNumber(), e);
        }
    }

    /**
     * Lets this node fetch blocks its store lacks from its peers (see the class comment).
     *
     * @param deliverEndpoints the other nodes' deliver endpoints, by replica id
     * @param tls              this node's key and the peers' keys it accepts
     */
    public void fetchMissingBlocksFrom(Map<Integer, java.net.InetSocketAddress> deliverEndpoints, OrderingTls tls) {
        this.tls = java.util.Objects.requireNonNull(tls, "tls");
        this.peers = Map.copyOf(deliverEndpoints);
        for (String channel : latestCut.keySet()) {
            fetcher.execute(() -> fetchMissing(channel));
        }
    }

    /** Fetches what the channel's store lacks before the latest block cut here, peer after peer, until it is stored. */
    private void fetchMissing(String channel) {
        BlockStore store = stores.get(channel);
        int attempt = 0;
        int failures = 0;
        while (!fetcher.isShutdown()) {
            Block target = latestCut.get(channel);
            if (target == null) {
                return;
            }
            List<Integer> sources = new java.util.ArrayList<>(peers.keySet());
            if (sources.isEmpty()) {
                return; // fetchMissingBlocksFrom starts it again
            }
            int peer = sources.get(attempt++ % sources.size());
            try {
                long from = store.height();
                long last = target.getHeader().getNumber() - 1;
                if (from <= last) {
                    long to = Math.min(last, from + FETCH_WINDOW - 1);
                    String problem = fetchWindow(store, channel, peer, sources, from, to);
                    if (problem != null) {
                        log.warn("replica {}: blocks {}..{} of channel {} from replica {}: {}", id, from, to, channel, peer,
                                problem);
                        Thread.sleep(Math.min(5_000, 100L << Math.min(failures++, 6))); // each peer failed: back off
                    } else {
                        failures = 0;
                    }
                    continue; // the next window, or the same one from the next peer
                }
                String problem = Blocks.chainProblem(from == 0 ? null : store.get(from - 1), target);
                if (problem != null) {
                    // Each fetched block was signed by f+1 nodes, at least one of them correct: more than f are not.
                    log.error("replica {}: channel {}'s fetched blocks do not chain to block {} cut here ({}); more than f"
                            + " nodes signed other blocks: not fetching", id, channel, target.getHeader().getNumber(), problem);
                    return;
                }
                store.append(target);
                latestCut.remove(channel, target);
                if (!latestCut.containsKey(channel)) {
                    storeBehind.remove(channel);
                    log.info("replica {}: channel {}'s block store caught up at block {}", id, channel,
                            target.getHeader().getNumber());
                }
                synchronized (stored) {
                    stored.notifyAll();
                }
            } catch (BlockStore.BlockRefusedException | IllegalArgumentException e) {
                log.warn("replica {}: fetching blocks of channel {} from replica {}: {}", id, channel, peer, e.getMessage());
            } catch (IOException e) {
                log.warn("replica {}: fetching blocks of channel {} from replica {}: {}", id, channel, peer, e.toString());
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return;
            }
        }
    }

    /**
     * Fetches blocks {@code from} to {@code to} whole from {@code peer} and their headers and
     * signatures from the other {@code sources}, and stores each, in order, that chains to the
     * last stored one and carries the valid signatures of f+1 members of the view (so at least one
     * correct node cut it). Returns why it stopped short, or null if it stored them all.
     */
    private String fetchWindow(BlockStore store, String channel, int peer, List<Integer> sources, long from, long to)
            throws IOException, InterruptedException, BlockStore.BlockRefusedException {
        // Headers from every other peer at once, while the whole blocks come; a peer that does not end
        // its stream in time adds what it sent so far.
        List<OpenRange> headerStreams = new java.util.ArrayList<>();
        for (int other : sources) {
            if (other != peer) {
                headerStreams.add(openRange(other, channel, from, to, true));
            }
        }
        List<Block> whole;
        Map<Long, List<Block>> headers = new java.util.HashMap<>();
        try {
            whole = fetchRange(peer, channel, from, to, false);
            long deadline = System.nanoTime() + java.util.concurrent.TimeUnit.MILLISECONDS.toNanos(HEADERS_WAIT_MS);
            for (OpenRange stream : headerStreams) {
                stream.answers().awaitEndOr(Math.toIntExact(to - from + 1), Math.max(0, (deadline - System.nanoTime()) / 1_000_000));
                for (org.hyperledger.fabric.protos.orderer.DeliverResponse answer : stream.answers().received()) {
                    if (answer.hasBlock()) {
                        headers.computeIfAbsent(answer.getBlock().getHeader().getNumber(), n -> new java.util.ArrayList<>())
                                .add(answer.getBlock());
                    }
                }
            }
        } finally {
            headerStreams.forEach(OpenRange::cancel);
        }
        Block previous = from == 0 ? null : store.get(from - 1);
        for (int i = 0; i < whole.size(); i++) {
            Block block = whole.get(i);
            String problem = Blocks.chainProblem(previous, block);
            if (problem != null) {
                return "block " + block.getHeader().getNumber() + " does not chain to the stored ones: " + problem;
            }
            List<Block> sameHeader = new java.util.ArrayList<>();
            for (Block copy : headers.getOrDefault(block.getHeader().getNumber(), List.of())) {
                if (copy.getHeader().equals(block.getHeader())) {
                    sameHeader.add(copy);
                }
            }
            View view = viewOf(BlockSignatures.viewId(block));
            if (view == null) {
                return "block " + block.getHeader().getNumber() + " names view " + BlockSignatures.viewId(block)
                        + ", which decided nothing this node's state knows of";
            }
            BlockSignatures.Gathered signed = BlockSignatures.gather(block, sameHeader, view, verifier);
            if (signed.signers().size() < view.f() + 1) {
                return "block " + block.getHeader().getNumber() + " is signed by " + signed.signers()
                        + " only, fewer than f+1 = " + (view.f() + 1) + " members of view " + view.id();
            }
            store.append(BlockSignatures.countersign(signed.block(), id, replica.signerFor(view)));
            previous = block;
        }
        return null;
    }

    /** The view with id {@code viewId} as this node's service state keeps it, or null if it holds none. */
    private View viewOf(long viewId) {
        return viewId < 0 ? null : service.encodedView(viewId).map(encoded -> {
            try {
                return io.phalanx.core.codec.MessageCodec.decodeView(encoded.toArray());
            } catch (io.phalanx.core.codec.CodecException e) {
                throw new IllegalStateException("replica " + id + " keeps an unreadable view " + viewId, e);
            }
        }).orElse(null);
    }

    /** A deliver stream opened to a peer, and what it answered so far. */
    private record OpenRange(StreamCollector<org.hyperledger.fabric.protos.orderer.DeliverResponse> answers,
                             io.grpc.stub.ClientCallStreamObserver<org.hyperledger.fabric.protos.common.Envelope> requests) {
        void cancel() {
            requests.cancel("fetched", null);
        }
    }

    /** Asks {@code peer} for blocks {@code from} to {@code to} of a channel (or their headers and signatures). */
    private OpenRange openRange(int peer, String channel, long from, long to, boolean headersOnly) {
        io.grpc.ManagedChannel connection = peerChannels.computeIfAbsent(peer, p -> tls.channelToNode(peers.get(p)));
        StreamCollector<org.hyperledger.fabric.protos.orderer.DeliverResponse> answers = new StreamCollector<>();
        var requests = (io.grpc.stub.ClientCallStreamObserver<org.hyperledger.fabric.protos.common.Envelope>)
                org.hyperledger.fabric.protos.orderer.AtomicBroadcastGrpc.newStub(connection).deliver(answers);
        requests.onNext(Seek.request(channel, from, to, headersOnly));
        return new OpenRange(answers, requests);
    }

    /** Blocks {@code from} to {@code to} of a channel, as a peer's deliver endpoint serves them, all of them. */
    private List<Block> fetchRange(int peer, String channel, long from, long to, boolean headersOnly)
            throws IOException, InterruptedException {
        OpenRange stream = openRange(peer, channel, from, to, headersOnly);
        try {
            boolean done = stream.answers().awaitEndOr(Math.toIntExact(to - from + 1), BLOCKS_WAIT_MS);
            List<Block> blocks = stream.answers().received().stream()
                    .filter(org.hyperledger.fabric.protos.orderer.DeliverResponse::hasBlock)
                    .map(org.hyperledger.fabric.protos.orderer.DeliverResponse::getBlock).toList();
            if (blocks.size() != to - from + 1) {
                throw new IOException("replica " + peer + " served " + blocks.size() + " of blocks " + from + ".." + to
                        + (done ? "" : " in " + BLOCKS_WAIT_MS + " ms"));
            }
            return blocks;
        } finally {
            stream.cancel();
        }
    }

    /**
     * The replica under the service.
     *
     * @return the replica
     */
    public Replica replica() {
        return replica;
    }

    /**
     * This node's stored copy of a block, signed by this node.
     *
     * @param channelId the channel
     * @param number    the block number
     * @return the block, or null if it is not stored
     * @throws IOException if it cannot be read
     */
    public Block block(String channelId, long number) throws IOException {
        BlockStore store = stores.get(channelId);
        return store == null ? null : store.get(number);
    }

    /**
     * How many blocks of a channel this node stored.
     *
     * @param channelId the channel
     * @return the next block number its store expects; -1 for an unknown channel
     */
    public long height(String channelId) {
        BlockStore store = stores.get(channelId);
        return store == null ? -1 : store.height();
    }

    /**
     * Waits until this node stored block {@code number} of a channel.
     *
     * @param channelId the channel
     * @param number    the block number
     * @param timeoutMs the longest wait
     * @return true if it is stored now
     * @throws InterruptedException if interrupted while waiting
     */
    public boolean awaitBlock(String channelId, long number, long timeoutMs) throws InterruptedException {
        long deadline = System.nanoTime() + timeoutMs * 1_000_000;
        synchronized (stored) {
            while (height(channelId) <= number) {
                long leftMs = (deadline - System.nanoTime()) / 1_000_000;
                if (leftMs <= 0) {
                    return false;
                }
                stored.wait(leftMs);
            }
        }
        return true;
    }

    /**
     * The oldest block of a channel this node still stores.
     *
     * @param channelId the channel
     * @return its number; -1 for an unknown channel
     */
    public long first(String channelId) {
        BlockStore store = stores.get(channelId);
        return store == null ? -1 : store.first();
    }

    @Override
    public void close() {
        fetcher.shutdownNow();
        peerChannels.values().forEach(io.grpc.ManagedChannel::shutdownNow);
        replica.close();
        try {
            fetcher.awaitTermination(5, java.util.concurrent.TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        closeAll(stores);
        synchronized (stored) {
            stored.notifyAll();
        }
    }

    private static void closeAll(Map<String, BlockStore> stores) {
        for (BlockStore store : stores.values()) {
            try {
                store.close();
            } catch (IOException e) {
                log.warn("closing a block store: {}", e.toString());
            }
        }
    }

    /**
     * Blocks are stored only in order; this reports where a channel's store waits (for tests and status).
     *
     * @return by channel, the first block cut but not stored because earlier ones are missing
     */
    Map<String, Long> storeBehind() {
        return Map.copyOf(storeBehind);
    }

    @Override
    public String toString() {
        return "OrderingNode[replica " + id + ", channels " + stores.keySet() + "]";
    }
}
