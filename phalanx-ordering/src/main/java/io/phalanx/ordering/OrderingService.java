package io.phalanx.ordering;

import com.google.protobuf.ByteString;
import io.phalanx.core.codec.MessageCodec;
import io.phalanx.core.message.Bytes;
import io.phalanx.core.service.ExecutionContext;
import io.phalanx.core.service.Service;
import io.phalanx.core.view.View;
import org.hyperledger.fabric.protos.common.Block;
import org.hyperledger.fabric.protos.common.Status;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.util.ArrayDeque;
import java.util.Arrays;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentSkipListMap;

/**
 * The ordering service of a Fabric ordering node, as a Phalanx {@link Service}: every envelope a
 * frontend broadcasts is an ordered request, and the service cuts each channel's envelopes into
 * blocks ({@link BlockCutter}, {@link Blocks}) that are byte-identical on every correct node,
 * since they depend on the decided order alone. Each new block goes to the {@link BlockListener}
 * on the execution thread (the node's block store signs and keeps it).
 *
 * <p>The state, which checkpoints hold and state transfer moves: per channel its limits, the
 * next block number and the previous block's header hash, the envelopes pending for the next
 * block with the agreed time the first of them was ordered, the number of the last config
 * block, and the digests of the last {@code dedupWindow} envelopes ordered, so that an
 * envelope several frontends broadcast, or one broadcast again, is ordered once; and the views
 * that decided its requests (the members of a block's view sign it, so a frontend reads a view it
 * does not know with {@link OrderingOperation.ViewOf}).
 *
 * <p>Results are a {@link Result}: Fabric's status code and a reason.
 */
public final class OrderingService implements Service {
    /** Layout version of {@link #snapshot}. */
    private static final int SNAPSHOT_VERSION = 2;

    /** Where the blocks go; called on the execution thread, in block order per channel. */
    @FunctionalInterface
    public interface BlockListener {
        /**
         * A block was cut.
         *
         * @param cut the block and what its signatures need
         */
        void onBlock(CutBlock cut);
    }

    /**
     * A block as the service cut it, unsigned.
     *
     * @param channelId       its channel
     * @param block           the block, the same bytes on every correct node
     * @param lastConfigBlock the channel's last config block, this one if it is one
     * @param nonce           the agreed nonce of the batch that cut it, for its signatures
     * @param view            the view whose quorums decided that batch: its members sign the
     *                        block, each with the key this view names for it (null only where no
     *                        replica executes, as in a checker's reference run)
     */
    public record CutBlock(String channelId, Block block, long lastConfigBlock, long nonce, View view) {
    }

    /**
     * What a {@link OrderingOperation.ViewOf} query answers: the view's encoding
     * ({@code MessageCodec.encodeView}), or the refusal ({@code NOT_FOUND}: no request of this
     * service was decided in that view yet; {@code BAD_REQUEST}).
     *
     * @param encodedView the view's bytes, or null if refused
     * @param refusal     why not, or null if found
     */
    public record ViewAnswer(Bytes encodedView, Result refusal) {
        /**
         * Checks that exactly one part is present.
         *
         * @param encodedView the view's bytes, or null
         * @param refusal     the refusal, or null
         */
        public ViewAnswer {
            if ((encodedView == null) == (refusal == null)) {
                throw new IllegalArgumentException("a view answer holds a view or a refusal");
            }
        }

        /**
         * The answer's bytes: {@code SUCCESS}'s code and the view's bytes, or the refusal's
         * {@link Result} encoding.
         *
         * @return the bytes
         */
        public Bytes encode() {
            if (refusal != null) {
                return refusal.encode();
            }
            byte[] view = encodedView.toArray();
            return Bytes.copyOf(ByteBuffer.allocate(4 + view.length).putInt(Status.SUCCESS_VALUE).put(view)
                    .array());
        }

        /**
         * Decodes {@link #encode}'s bytes.
         *
         * @param encoded a query's result
         * @return the answer
         * @throws IllegalArgumentException if the bytes are no answer
         */
        public static ViewAnswer decode(Bytes encoded) {
            byte[] raw = encoded.toArray();
            if (raw.length < 4) {
                throw new IllegalArgumentException("not a view answer: " + raw.length + " bytes");
            }
            if (ByteBuffer.wrap(raw).getInt() == Status.SUCCESS_VALUE) {
                return new ViewAnswer(Bytes.copyOf(Arrays.copyOfRange(raw, 4, raw.length)), null);
            }
            return new ViewAnswer(null, Result.decode(encoded));
        }
    }

    /**
     * A channel the service starts with.
     *
     * @param limits  how its blocks are cut
     * @param genesis its genesis block (block 0), whose header the first cut block follows; null
     *                to make the first cut block block 0
     * @param writers who may write to it ({@link Writers#ANYONE}: no creator signature is checked)
     */
    public record Channel(ChannelLimits limits, Block genesis, Writers writers) {
        /**
         * Checks the limits and writers are present.
         *
         * @param limits  how its blocks are cut
         * @param genesis its genesis block, or null
         * @param writers who may write to it
         */
        public Channel {
            Objects.requireNonNull(limits, "limits");
            Objects.requireNonNull(writers, "writers");
        }

        /**
         * A channel anyone may write to.
         *
         * @param limits  how its blocks are cut
         * @param genesis its genesis block, or null
         */
        public Channel(ChannelLimits limits, Block genesis) {
            this(limits, genesis, Writers.ANYONE);
        }
    }

    /**
     * What a {@link OrderingOperation.Height} query answers.
     *
     * @param nextBlock         the number the next block will have
     * @param pending           how many envelopes wait for it
     * @param firstPendingAtMs  the agreed time the first of them was ordered; -1 if none waits
     * @param batchTimeoutMs    the channel's batch timeout: a time-to-cut for {@code nextBlock}
     *                          cuts once the agreed time reaches {@code firstPendingAtMs + batchTimeoutMs}
     */
    public record ChannelHeight(long nextBlock, int pending, long firstPendingAtMs, long batchTimeoutMs) {
        /**
         * The encoding a query returns.
         *
         * @return the bytes
         */
        public Bytes encode() {
            ByteArrayOutputStream bytes = new ByteArrayOutputStream();
            try (DataOutputStream out = new DataOutputStream(bytes)) {
                out.writeLong(nextBlock);
                out.writeInt(pending);
                out.writeLong(firstPendingAtMs);
                out.writeLong(batchTimeoutMs);
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
            return Bytes.copyOf(bytes.toByteArray());
        }

        /**
         * Decodes {@link #encode}'s bytes.
         *
         * @param encoded a query's answer
         * @return the height
         * @throws IllegalArgumentException if the bytes are no height
         */
        public static ChannelHeight decode(Bytes encoded) {
            byte[] raw = encoded.toArray();
            if (raw.length != 28) {
                throw new IllegalArgumentException("a channel height is 28 bytes, got " + raw.length);
            }
            try (DataInputStream in = new DataInputStream(new ByteArrayInputStream(raw))) {
                return new ChannelHeight(in.readLong(), in.readInt(), in.readLong(), in.readLong());
            } catch (IOException e) {
                throw new IllegalArgumentException(e);
            }
        }
    }

    /**
     * What an operation gave: Fabric's status and why.
     *
     * @param status {@code SUCCESS}, or why the envelope was refused ({@code BAD_REQUEST},
     *               {@code NOT_FOUND}, {@code REQUEST_ENTITY_TOO_LARGE})
     * @param info   a reason, empty on success
     */
    public record Result(Status status, String info) {
        /**
         * Checks the parts are present.
         *
         * @param status the status
         * @param info   the reason
         */
        public Result {
            Objects.requireNonNull(status, "status");
            Objects.requireNonNull(info, "info");
        }

        /**
         * The encoding an ordered request returns: the status code and the reason.
         *
         * @return the bytes
         */
        public Bytes encode() {
            ByteArrayOutputStream bytes = new ByteArrayOutputStream();
            try (DataOutputStream out = new DataOutputStream(bytes)) {
                out.writeInt(status.getNumber());
                out.writeUTF(info);
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
            return Bytes.copyOf(bytes.toByteArray());
        }

        /**
         * Decodes {@link #encode}'s bytes.
         *
         * @param encoded a reply's result
         * @return the result
         * @throws IllegalArgumentException if the bytes are no result
         */
        public static Result decode(Bytes encoded) {
            try (DataInputStream in = new DataInputStream(new ByteArrayInputStream(encoded.toArray()))) {
                Status status = Status.forNumber(in.readInt());
                return new Result(status == null ? Status.UNKNOWN : status, in.readUTF());
            } catch (IOException e) {
                throw new IllegalArgumentException("not an ordering result: " + e.getMessage(), e);
            }
        }
    }

    private final int dedupWindow;
    private final BlockListener listener;
    private final TreeMap<String, ChannelState> channels = new TreeMap<>();
    /**
     * The views that decided this service's requests, encoded, by id: part of the state, so that
     * frontends can check the signatures of blocks cut in a view they never saw. Concurrent, as
     * {@link #encodedView} reads it off the execution thread.
     */
    private final ConcurrentSkipListMap<Long, Bytes> views = new ConcurrentSkipListMap<>();

    /** Who may write to each channel, by channel id: read by {@link #admits} off the execution thread. */
    private final Map<String, Writers> writers;

    /**
     * A service ordering the given channels.
     *
     * @param channels    the channels by id
     * @param dedupWindow how many of a channel's last ordered envelopes a repeat of is recognised, at least 1
     * @param listener    where the blocks go
     */
    public OrderingService(Map<String, Channel> channels, int dedupWindow, BlockListener listener) {
        if (dedupWindow < 1) {
            throw new IllegalArgumentException("dedupWindow must be >= 1, got " + dedupWindow);
        }
        this.dedupWindow = dedupWindow;
        this.listener = Objects.requireNonNull(listener, "listener");
        channels.forEach((id, channel) -> this.channels.put(id, ChannelState.of(channel)));
        Map<String, Writers> writers = new TreeMap<>();
        channels.forEach((id, channel) -> writers.put(id, channel.writers()));
        this.writers = Map.copyOf(writers);
    }

    /**
     * The nodes' proposal check ({@code RequestVerifier}): whether {@code operation} may be
     * ordered. A broadcast must hold a parseable envelope whose creator may write to its channel
     * ({@link Writers}); a broadcast for an unknown channel, or too large for it, is ordered and
     * answered {@code NOT_FOUND} or {@code REQUEST_ENTITY_TOO_LARGE} (the limits change with
     * config blocks, which this check, running beside execution, does not follow). A pure
     * function of the operation, safe to call from any thread.
     *
     * @param operation an ordered request's operation
     * @return true if it may be ordered
     */
    public boolean admits(Bytes operation) {
        OrderingOperation decoded;
        try {
            decoded = OrderingOperation.decode(operation);
        } catch (IllegalArgumentException e) {
            return false;
        }
        if (!(decoded instanceof OrderingOperation.Broadcast broadcast)) {
            return true;
        }
        try {
            Envelopes.Header header = Envelopes.header(broadcast.envelope());
            Writers channelWriters = writers.get(header.channelId());
            return channelWriters == null || channelWriters.problem(
                    org.hyperledger.fabric.protos.common.Envelope.parseFrom(broadcast.envelope())) == null;
        } catch (Envelopes.MalformedEnvelopeException | com.google.protobuf.InvalidProtocolBufferException e) {
            return false;
        }
    }

    @Override
    public Bytes execute(Bytes operation, ExecutionContext context) {
        View view = context.view();
        if (view != null && !views.containsKey(view.id())) {
            views.put(view.id(), Bytes.copyOf(MessageCodec.encodeView(view)));
        }
        OrderingOperation decoded;
        try {
            decoded = OrderingOperation.decode(operation);
        } catch (IllegalArgumentException e) {
            return new Result(Status.BAD_REQUEST, e.getMessage()).encode();
        }
        if (decoded instanceof OrderingOperation.Broadcast b) {
            return broadcast(b.envelope(), context).encode();
        } else if (decoded instanceof OrderingOperation.TimeToCut t) {
            return timeToCut(t, context).encode();
        }
        // A height ordered like a write: what a client does with a read that replicas still
        // recovering would not answer.
        return query(operation);
    }

    private Result broadcast(ByteString envelope, ExecutionContext context) {
        long agreedMs = context.timestampMs();
        Envelopes.Header header;
        try {
            header = Envelopes.header(envelope);
        } catch (Envelopes.MalformedEnvelopeException e) {
            return new Result(Status.BAD_REQUEST, e.getMessage());
        }
        ChannelState channel = channels.get(header.channelId());
        if (channel == null) {
            return new Result(Status.NOT_FOUND, "no channel " + header.channelId());
        }
        if (envelope.size() > channel.cutter.limits().absoluteMaxBytes()) {
            return new Result(Status.REQUEST_ENTITY_TOO_LARGE, "an envelope of " + envelope.size()
                    + " bytes exceeds the channel's absoluteMaxBytes " + channel.cutter.limits().absoluteMaxBytes());
        }
        ByteString digest = ByteString.copyFrom(Blocks.sha256().digest(envelope.toByteArray()));
        if (channel.recentSet.contains(digest)) {
            return new Result(Status.SUCCESS, "ordered already");
        }
        ChannelLimits configured = channel.cutter.limits();
        if (header.config()) {
            try {
                configured = ChannelConfigs.limits(header.data(), configured);
            } catch (IllegalArgumentException e) {
                return new Result(Status.BAD_REQUEST, e.getMessage());
            }
        }
        channel.remember(digest, dedupWindow);
        List<List<ByteString>> batches = channel.cutter.ordered(envelope, header.alone());
        for (int i = 0; i < batches.size(); i++) {
            boolean configBlock = header.config() && i == batches.size() - 1;
            emit(header.channelId(), channel, batches.get(i), configBlock, context);
        }
        channel.cutter.limits(configured); // from the block after the config block on
        // The first pending envelope is this one, unless it joined envelopes that were already waiting.
        boolean joinedWaiting = batches.isEmpty() && channel.cutter.pendingCount() > 1;
        channel.firstPendingAtMs = channel.cutter.pendingCount() == 0 ? -1 : joinedWaiting ? channel.firstPendingAtMs : agreedMs;
        return new Result(Status.SUCCESS, "");
    }

    private Result timeToCut(OrderingOperation.TimeToCut request, ExecutionContext context) {
        long agreedMs = context.timestampMs();
        ChannelState channel = channels.get(request.channelId());
        if (channel == null) {
            return new Result(Status.NOT_FOUND, "no channel " + request.channelId());
        }
        if (request.blockNumber() < channel.nextNumber) {
            return new Result(Status.SUCCESS, "block " + request.blockNumber() + " is cut already");
        }
        if (request.blockNumber() > channel.nextNumber || channel.cutter.pendingCount() == 0) {
            return new Result(Status.SUCCESS, "nothing is pending for block " + request.blockNumber());
        }
        if (agreedMs < channel.firstPendingAtMs + channel.cutter.limits().batchTimeoutMs()) {
            return new Result(Status.SUCCESS, "block " + request.blockNumber() + "'s batch timeout has not passed");
        }
        emit(request.channelId(), channel, channel.cutter.cut(), false, context);
        channel.firstPendingAtMs = -1;
        return new Result(Status.SUCCESS, "");
    }

    private void emit(String channelId, ChannelState channel, List<ByteString> envelopes, boolean config,
                      ExecutionContext context) {
        Block block = Blocks.build(channel.nextNumber, channel.previousHash, envelopes);
        channel.previousHash = ByteString.copyFrom(Blocks.headerHash(block.getHeader()));
        if (config) {
            channel.lastConfigNumber = channel.nextNumber;
        }
        channel.nextNumber++;
        listener.onBlock(new CutBlock(channelId, block, channel.lastConfigNumber, context.nonce(), context.view()));
    }

    @Override
    public Bytes query(Bytes operation) {
        OrderingOperation decoded;
        try {
            decoded = OrderingOperation.decode(operation);
        } catch (IllegalArgumentException e) {
            return new Result(Status.BAD_REQUEST, e.getMessage()).encode();
        }
        if (decoded instanceof OrderingOperation.ViewOf v) {
            Bytes view = views.get(v.viewId());
            return (view != null ? new ViewAnswer(view, null)
                    : new ViewAnswer(null, new Result(Status.NOT_FOUND, "no request was decided in view " + v.viewId()
                    + " (or not yet)"))).encode();
        }
        if (!(decoded instanceof OrderingOperation.Height h)) {
            return new Result(Status.BAD_REQUEST, "only a height or a view is read with a query: broadcasts and"
                    + " time-to-cut requests are ordered").encode();
        }
        ChannelState channel = channels.get(h.channelId());
        if (channel == null) {
            return new Result(Status.NOT_FOUND, "no channel " + h.channelId()).encode();
        }
        return new ChannelHeight(channel.nextNumber, channel.cutter.pendingCount(), channel.firstPendingAtMs,
                channel.cutter.limits().batchTimeoutMs()).encode();
    }

    /**
     * The number of the last config block of {@code channelId} (the genesis block's 0 until another), or -1 if
     * there was none.
     *
     * @param channelId the channel
     * @return the block number
     */
    public long lastConfigBlock(String channelId) {
        ChannelState channel = channels.get(channelId);
        return channel == null ? -1 : channel.lastConfigNumber;
    }

    /**
     * The view with id {@code viewId}, if it decided a request of this service. Safe to call from
     * any thread.
     *
     * @param viewId the view's id
     * @return its encoding ({@code MessageCodec.encodeView}), or empty
     */
    public Optional<Bytes> encodedView(long viewId) {
        return Optional.ofNullable(views.get(viewId));
    }

    @Override
    public Bytes snapshot() {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        try (DataOutputStream out = new DataOutputStream(bytes)) {
            out.writeInt(SNAPSHOT_VERSION);
            out.writeInt(channels.size());
            for (Map.Entry<String, ChannelState> entry : channels.entrySet()) {
                out.writeUTF(entry.getKey());
                entry.getValue().writeTo(out);
            }
            out.writeInt(views.size());
            for (Map.Entry<Long, Bytes> view : views.entrySet()) {
                out.writeLong(view.getKey());
                out.writeInt(view.getValue().length());
                out.write(view.getValue().toArray());
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return Bytes.copyOf(bytes.toByteArray());
    }

    @Override
    public void restore(Bytes snapshot) {
        try (DataInputStream in = new DataInputStream(new ByteArrayInputStream(snapshot.toArray()))) {
            int version = in.readInt();
            if (version != SNAPSHOT_VERSION) {
                throw new IllegalArgumentException("an ordering snapshot of version " + version + " (this build reads "
                        + SNAPSHOT_VERSION + ")");
            }
            int count = in.readInt();
            TreeMap<String, ChannelState> restored = new TreeMap<>();
            for (int i = 0; i < count; i++) {
                restored.put(in.readUTF(), ChannelState.readFrom(in));
            }
            int viewCount = in.readInt();
            TreeMap<Long, Bytes> restoredViews = new TreeMap<>();
            for (int i = 0; i < viewCount; i++) {
                long id = in.readLong();
                int length = in.readInt();
                if (length < 0 || length > in.available()) {
                    throw new IOException("a view of " + length + " bytes with " + in.available() + " left");
                }
                restoredViews.put(id, Bytes.copyOf(in.readNBytes(length)));
            }
            if (in.available() != 0) {
                throw new IOException(in.available() + " bytes after the views");
            }
            channels.clear();
            channels.putAll(restored);
            views.clear();
            views.putAll(restoredViews);
        } catch (IOException e) {
            throw new IllegalArgumentException("a damaged ordering snapshot: " + e.getMessage(), e);
        }
    }

    /** One channel's state. */
    private static final class ChannelState {
        final BlockCutter cutter;
        long nextNumber;
        ByteString previousHash;
        long lastConfigNumber;
        long firstPendingAtMs = -1;
        /** Digests of the last ordered envelopes, oldest first, and the same as a set. */
        final ArrayDeque<ByteString> recent = new ArrayDeque<>();
        final Set<ByteString> recentSet = new HashSet<>();

        private ChannelState(ChannelLimits limits, long nextNumber, ByteString previousHash, long lastConfigNumber) {
            this.cutter = new BlockCutter(limits);
            this.nextNumber = nextNumber;
            this.previousHash = previousHash;
            this.lastConfigNumber = lastConfigNumber;
        }

        static ChannelState of(Channel channel) {
            if (channel.genesis() == null) {
                return new ChannelState(channel.limits(), 0, ByteString.EMPTY, -1);
            }
            return new ChannelState(channel.limits(), channel.genesis().getHeader().getNumber() + 1,
                    ByteString.copyFrom(Blocks.headerHash(channel.genesis().getHeader())),
                    channel.genesis().getHeader().getNumber());
        }

        void remember(ByteString digest, int window) {
            recent.addLast(digest);
            recentSet.add(digest);
            while (recent.size() > window) {
                recentSet.remove(recent.removeFirst());
            }
        }

        void writeTo(DataOutputStream out) throws IOException {
            ChannelLimits limits = cutter.limits();
            out.writeInt(limits.maxMessageCount());
            out.writeInt(limits.absoluteMaxBytes());
            out.writeInt(limits.preferredMaxBytes());
            out.writeLong(limits.batchTimeoutMs());
            out.writeLong(nextNumber);
            writeBytes(out, previousHash);
            out.writeLong(lastConfigNumber);
            out.writeLong(firstPendingAtMs);
            List<ByteString> pending = cutter.pending();
            out.writeInt(pending.size());
            for (ByteString envelope : pending) {
                writeBytes(out, envelope);
            }
            out.writeInt(recent.size());
            for (ByteString digest : recent) {
                writeBytes(out, digest);
            }
        }

        static ChannelState readFrom(DataInputStream in) throws IOException {
            ChannelLimits limits;
            try {
                limits = new ChannelLimits(in.readInt(), in.readInt(), in.readInt(), in.readLong());
            } catch (IllegalArgumentException e) {
                throw new IOException(e.getMessage(), e);
            }
            ChannelState state = new ChannelState(limits, in.readLong(), readBytes(in), in.readLong());
            state.firstPendingAtMs = in.readLong();
            int pending = in.readInt();
            List<ByteString> envelopes = new java.util.ArrayList<>();
            for (int i = 0; i < pending; i++) {
                envelopes.add(readBytes(in));
            }
            state.cutter.restorePending(envelopes);
            int recent = in.readInt();
            for (int i = 0; i < recent; i++) {
                ByteString digest = readBytes(in);
                state.recent.addLast(digest);
                state.recentSet.add(digest);
            }
            return state;
        }

        private static void writeBytes(DataOutputStream out, ByteString bytes) throws IOException {
            out.writeInt(bytes.size());
            bytes.writeTo(out);
        }

        private static ByteString readBytes(DataInputStream in) throws IOException {
            int length = in.readInt();
            if (length < 0 || length > in.available()) {
                throw new IOException("a field of " + length + " bytes with " + in.available() + " left");
            }
            return ByteString.copyFrom(in.readNBytes(length));
        }
    }
}
