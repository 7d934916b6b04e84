package io.phalanx.core.replica;

import io.phalanx.core.PlantedBug;
import io.phalanx.core.codec.CodecException;
import io.phalanx.core.codec.MessageCodec;
import io.phalanx.core.message.Batch;
import io.phalanx.core.message.Bytes;
import io.phalanx.core.message.Checkpoint;
import io.phalanx.core.message.Decision;
import io.phalanx.core.message.Reply;
import io.phalanx.core.message.Request;
import io.phalanx.core.message.RequestId;
import io.phalanx.core.message.RequestKind;
import io.phalanx.core.service.ExecutionContext;
import io.phalanx.core.service.Service;
import io.phalanx.core.service.Snapshot;
import io.phalanx.core.view.AdminResult;
import io.phalanx.core.view.View;
import io.phalanx.core.view.ViewHistory;

import java.io.IOException;
import java.io.InputStream;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;

/**
 * The execution layer: applies decided batches to the {@link Service} in consensus order,
 * executes each (client, sequence) at most once, and keeps recent replies per client so a
 * retransmitted request is answered from the cache instead of being executed again.
 *
 * <p>It is separate from {@link ReplicaCore} so that the runtime can run it on its own thread
 * (ordering the next batch overlaps executing this one), while read-only queries and ordered
 * operations still never race on the service: both go through this object. Deterministic and
 * single-threaded.
 */
public final class ServiceExecutor {
    private final int replicaId;
    /** The administrator's client id (-1: none) and the window that places a change's view. */
    private final long adminClientId;
    private final int instanceWindowMax;
    /** The views, as the ordering layer keeps them; replies name the newest, checkpoints carry them. */
    private ViewHistory views;
    private final Service service;
    private final int clientWindowMax;
    /** Bugs a test build planted on purpose (empty in production). */
    private final Set<PlantedBug> plantedBugs;
    /** Cached replies per client that has a session in {@code executedByClient}. */
    private final Map<Long, TreeMap<Long, Reply>> repliesByClient = new HashMap<>();
    /** The executed windows; an evicted session's cached replies go with it. */
    private final ClientSessions executedByClient;
    private long lastExecuted = -1;
    /** The agreed time of the last executed decision: the highest batch timestamp so far. */
    private long agreedTimestampMs = Long.MIN_VALUE;
    /** The regency that decided the last executed decision; replies tell clients its leader. */
    private int regency;

    /**
     * The execution layer of replica {@code config.replicaId()}, with its client limits and view.
     *
     * @param config  the replica's limits, initial view and administrator
     * @param service the replicated service
     */
    public ServiceExecutor(ReplicaConfig config, Service service) {
        this(config, service, Set.of());
    }

    /**
     * An executor with bugs planted on purpose, for the simulator's mutation suite only ({@link PlantedBug}).
     *
     * @param config      the replica's limits, initial view and administrator
     * @param service     the replicated service
     * @param plantedBugs the bugs to plant; empty for a correct executor
     */
    public ServiceExecutor(ReplicaConfig config, Service service, Set<PlantedBug> plantedBugs) {
        this(config.replicaId(), new ViewHistory(List.of(new ViewHistory.Entry(config.viewGovernsFrom(), config.view()))),
                config.adminClientId(), config.instanceWindowMax(), service, config.clientWindowMax(), config.clientsMax(),
                plantedBugs);
    }

    /**
     * The execution layer of a replica given its limits one by one, without an administrator.
     *
     * @param replicaId       the replica whose replies it makes
     * @param view            the view its replies name
     * @param service         the replicated service
     * @param clientWindowMax the replica's {@link ReplicaConfig#clientWindowMax}
     * @param clientsMax      the replica's {@link ReplicaConfig#clientsMax}: the ordering layer must
     *                        keep the same sessions, so it must be the same value
     */
    public ServiceExecutor(int replicaId, View view, Service service, int clientWindowMax, int clientsMax) {
        this(replicaId, ViewHistory.of(view), -1, ReplicaConfig.INSTANCE_WINDOW_DEFAULT, service, clientWindowMax, clientsMax,
                Set.of());
    }

    private ServiceExecutor(int replicaId, ViewHistory views, long adminClientId, int instanceWindowMax, Service service,
                            int clientWindowMax, int clientsMax, Set<PlantedBug> plantedBugs) {
        this.plantedBugs = Set.copyOf(plantedBugs);
        this.replicaId = replicaId;
        this.views = views;
        this.adminClientId = adminClientId;
        this.instanceWindowMax = instanceWindowMax;
        this.service = Objects.requireNonNull(service, "service");
        this.executedByClient = new ClientSessions(clientWindowMax, clientsMax, repliesByClient::remove);
        this.clientWindowMax = clientWindowMax;
    }

    /**
     * Executes the next decision and returns one reply per newly executed request, in batch order.
     *
     * @param decision the decision after the last executed one
     * @return the full replies to the requests executed now; requests already done get none
     * @throws IllegalStateException if {@code decision} is not the next consensus id: executing
     *                               out of order would corrupt the state, so the replica stops
     */
    public List<Reply> execute(Decision decision) {
        if (decision.consensusId() != lastExecuted + 1) {
            throw new IllegalStateException("replica " + replicaId + " got decision " + decision.consensusId()
                    + " but last executed " + lastExecuted);
        }
        lastExecuted = decision.consensusId();
        regency = decision.epoch();
        // Batch timestamps can go back where a leader change bound an old value after a newer
        // one; the agreed time cannot.
        agreedTimestampMs = Math.max(agreedTimestampMs, decision.batch().timestampMs());
        List<Reply> replies = new ArrayList<>(decision.batch().requests().size());
        // A change this batch decides governs later instances only: one view for the whole batch.
        View decidedBy = Objects.requireNonNull(views.at(decision.consensusId()),
                () -> "replica " + replicaId + " knows no view at instance " + decision.consensusId());
        for (Request request : decision.batch().requests()) {
            if (executedByClient.isDone(request.clientId(), request.sequence())
                    && !plantedBugs.contains(PlantedBug.REQUEST_EXECUTED_TWICE)) {
                // Defence in depth: the ordering layer already refuses duplicates. A request of an
                // evicted session, though, may be decided (see ClientSessions#admitsInProposal).
                continue;
            }
            executedByClient.markDone(request.clientId(), request.sequence(), decision.consensusId());
            ExecutionContext context = new ExecutionContext(decision.consensusId(), agreedTimestampMs,
                    decision.batch().nonce(), request.clientId(), request.sequence(), decidedBy);
            Bytes result = Administration.isAdmin(adminClientId, request)
                    ? administer(decision.consensusId(), decision.batch(), request) : service.execute(request.operation(), context);
            Reply reply = new Reply(replicaId, request.clientId(), request.sequence(), RequestKind.ORDERED,
                    views.latest().id(), regency, result);
            remember(reply);
            replies.add(reply);
        }
        return replies;
    }

    /** Applies the administrator's view change, as the ordering layer did, and answers with its outcome. */
    private Bytes administer(long consensusId, Batch batch, Request request) {
        ViewHistory.Outcome outcome = Administration.apply(views, consensusId, request, batch, instanceWindowMax);
        if (outcome.installed() == null) {
            return Bytes.copyOf(MessageCodec.encodeAdminResult(AdminResult.refused(outcome.refusal())));
        }
        views = outcome.history();
        long first = ViewHistory.firstGovernedAfter(consensusId, instanceWindowMax);
        return Bytes.copyOf(MessageCodec.encodeAdminResult(AdminResult.installed(first, outcome.installed())));
    }

    /**
     * The newest view, which replies name.
     *
     * @return the latest view this executor applied
     */
    public View latestView() {
        return views.latest();
    }

    /**
     * Answers a read-only request from the current state.
     *
     * @param request an unordered request
     * @return the full reply, naming the regency of the last executed decision
     */
    public Reply query(Request request) {
        Bytes result = service.query(request.operation());
        return new Reply(replicaId, request.clientId(), request.sequence(), RequestKind.UNORDERED, views.latest().id(),
                regency, result);
    }

    /**
     * The cached reply to an executed request, if still cached.
     *
     * @param id the request's id
     * @return the full reply, or empty for an unordered request or one not (or no longer) cached
     */
    public Optional<Reply> cachedReply(RequestId id) {
        TreeMap<Long, Reply> replies = repliesByClient.get(id.clientId());
        return id.kind() == RequestKind.ORDERED && replies != null
                ? Optional.ofNullable(replies.get(id.sequence())) : Optional.empty();
    }

    /**
     * A checkpoint captured between two decisions, to be written into an image later, on this
     * thread or another, while execution goes on ({@link Service#openSnapshot}). Written once:
     * {@link #writeTo} closes the snapshot, and so does {@link #close} if it is never written.
     *
     * @param header   the checkpoint's header: sessions, cached replies, agreed time
     * @param snapshot the service's state at the same point
     */
    public record Capture(Checkpoint header, Snapshot snapshot) implements AutoCloseable {
        /**
         * Checks that header and snapshot are present.
         *
         * @param header   the checkpoint's header
         * @param snapshot the service's state at the same point
         */
        public Capture {
            Objects.requireNonNull(header, "header");
            Objects.requireNonNull(snapshot, "snapshot");
        }

        /**
         * Streams the header and the service's state into {@code target}, a chunk at a time.
         *
         * @param target     where the image goes
         * @param chunkBytes the image's chunk size
         * @return the written image
         * @throws IOException if the snapshot or the target fails
         */
        public CheckpointImage writeTo(ImageStore.Target target, int chunkBytes) throws IOException {
            try (snapshot; ImageWriter writer = new ImageWriter(header.consensusId(), chunkBytes, target)) {
                writer.write(MessageCodec.encodeCheckpointHeader(header));
                snapshot.writeTo(writer);
                return writer.finish();
            }
        }

        @Override
        public void close() {
            snapshot.close();
        }
    }

    /**
     * Captures the state after the last executed decision, with the client sessions and cached
     * replies that keep execution exactly-once, in a form every correct replica writes
     * identically.
     *
     * @return the captured checkpoint, to be written or closed
     * @throws IllegalStateException before the first decision: there is nothing to checkpoint
     */
    public Capture capture() {
        if (lastExecuted < 0) {
            throw new IllegalStateException("replica " + replicaId + " has executed nothing to checkpoint");
        }
        List<Checkpoint.ClientSession> sessions = executedByClient.toCheckpoint(clientId -> {
            List<Checkpoint.CachedReply> cached = new ArrayList<>();
            repliesByClient.getOrDefault(clientId, new TreeMap<>()).values().forEach(reply ->
                    cached.add(new Checkpoint.CachedReply(reply.sequence(), reply.result())));
            return cached;
        });
        Checkpoint header = new Checkpoint(lastExecuted, agreedTimestampMs, sessions, executedByClient.tombstonesToCheckpoint(),
                executedByClient.floorsToCheckpoint(), views.since(lastExecuted));
        return new Capture(header, service.openSnapshot());
    }

    /**
     * Captures a checkpoint ({@link #capture}) and writes its image into {@code images} at once.
     *
     * @param images     where the image goes
     * @param chunkBytes the image's chunk size
     * @return the written image of the state after the last executed decision
     * @throws IOException if the snapshot or the image store fails
     */
    public CheckpointImage checkpoint(ImageStore images, int chunkBytes) throws IOException {
        try (Capture capture = capture()) {
            return capture.writeTo(images.open(lastExecuted), chunkBytes);
        }
    }

    /**
     * The regency a reply restored from a checkpoint names, and replies name until the next
     * decision: 0, which a client never follows back to, since it follows only a regency above
     * the one it knows.
     */
    private static final int RESTORED_REGENCY = 0;

    /**
     * Brings the service to what a restarted replica's storage kept ({@link Recovered}): its
     * checkpoint, then the decisions logged after it. Their replies went out (or were lost)
     * before the restart; a client that still waits retransmits and gets them from the cache.
     *
     * @param recovered what the replica's storage kept
     */
    public void resume(Recovered recovered) {
        if (recovered.checkpoint() != null) {
            restore(recovered.checkpoint());
        }
        recovered.decisions().forEach(this::execute);
    }

    /**
     * Replaces everything with the state in {@code image} (a replica that received it by state
     * transfer, or restarts from it), streaming the service's state from it; the next decision
     * to execute is the one after it.
     *
     * @param image the checkpoint to install
     * @throws IllegalStateException if the image cannot be read: f+1 replicas vouched for its
     *                               chunks, or it was checked on disk, so continuing would diverge
     */
    public void restore(CheckpointImage image) {
        Checkpoint checkpoint;
        try {
            checkpoint = image.header();
            try (InputStream serviceState = image.serviceState()) {
                service.restore(serviceState);
            }
        } catch (IOException | CodecException e) {
            throw new IllegalStateException("replica " + replicaId + " cannot restore checkpoint " + image.consensusId()
                    + ": " + e.getMessage(), e);
        }
        executedByClient.restore(checkpoint);
        views = checkpoint.views();
        repliesByClient.clear();
        for (Checkpoint.ClientSession session : checkpoint.sessions()) {
            TreeMap<Long, Reply> replies = new TreeMap<>();
            for (Checkpoint.CachedReply cached : session.replies()) {
                replies.put(cached.sequence(), new Reply(replicaId, session.clientId(), cached.sequence(),
                        RequestKind.ORDERED, views.latest().id(), RESTORED_REGENCY, cached.result()));
            }
            if (!replies.isEmpty()) {
                repliesByClient.put(session.clientId(), replies);
            }
        }
        lastExecuted = checkpoint.consensusId();
        regency = RESTORED_REGENCY;
        agreedTimestampMs = checkpoint.agreedTimestampMs();
    }

    /**
     * How far execution got.
     *
     * @return the highest consensus id executed (or restored), -1 if none
     */
    public long lastExecuted() {
        return lastExecuted;
    }

    private void remember(Reply reply) {
        if (!executedByClient.knows(reply.clientId())) {
            return; // only where a planted bug ran a request of an evicted session
        }
        TreeMap<Long, Reply> replies = repliesByClient.computeIfAbsent(reply.clientId(), c -> new TreeMap<>());
        replies.put(reply.sequence(), reply);
        while (replies.size() > clientWindowMax) {
            replies.pollFirstEntry();
        }
    }
}
