package io.phalanx.core.client;

import io.phalanx.core.PlantedBug;
import io.phalanx.core.codec.MessageCodec;
import io.phalanx.core.crypto.Signer;
import io.phalanx.core.crypto.Digests;
import io.phalanx.core.message.Bytes;
import io.phalanx.core.message.Digest;
import io.phalanx.core.message.Refusal;
import io.phalanx.core.message.Reply;
import io.phalanx.core.message.Request;
import io.phalanx.core.message.RequestId;
import io.phalanx.core.message.RequestKind;
import io.phalanx.core.replica.ReplyPolicy;
import io.phalanx.core.view.QuorumSystem;
import io.phalanx.core.view.View;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;

/**
 * The client's half of the protocol as a pure state machine: numbers requests, collects
 * replies, and says when a result is final.
 *
 * <p>A result is final once a quorum of replicas (per {@link QuorumSystem#isQuorum}) returned
 * the same bytes — in full, or as their SHA-256 digest with at least one full copy (hashed
 * replies, see {@code ReplyPolicy}) — for ordered and unordered requests alike. Accepting ordered results at f+1
 * matching replies would be enough to know the result is correct, but not for read-only
 * queries to be linearizable: a query answered by a quorum must meet, in a correct replica,
 * every write that completed before it, which holds only if completed writes were also
 * confirmed by a quorum. An unordered request whose replies cannot reach a matching quorum (or
 * that times out) is retried once on the ordered path with a fresh sequence number.
 *
 * <p>Leader first: a new ordered request goes to the leader only, as in PBFT, since only the
 * leader needs it to propose; followers receive it inside the PROPOSE, so each request crosses
 * the network once instead of n times. The client learns the leader from replies, which carry
 * the regency that decided them: it follows the highest regency that repliers containing a
 * correct replica ({@link QuorumSystem#containsCorrect}) report, so a lying replica cannot steer
 * it. A request goes to every replica instead when the leader's link is down
 * ({@link #onReplicaDown}; requests sent to it alone are then sent to all at once), and on every
 * retransmission: so a leader that drops requests is found out by the followers' request timers.
 * Read-only queries always go to every replica, since each must answer.
 *
 * <p>Ordered requests are retransmitted on a doubling, capped timeout; replicas answer a
 * retransmission of an executed request from their reply cache.
 */
public final class ClientCore {
    /** The shortest wait for the replica that sends a result in full, once a quorum agreed on its digest. */
    static final long FULL_COPY_WAIT_MIN_MS = 1;
    private final long clientId;
    /** The view requests name and go to; replaced by a newer one that f+1 of its members vouch for. */
    private View view;
    private QuorumSystem quorums;
    /** Encoded newer views offered in VIEW_OUTDATED refusals, with the members of {@code view} that offered each. */
    private final Map<Bytes, Set<Integer>> offeredViews = new HashMap<>();
    private long viewsAdopted;
    private final ClientConfig config;
    private final Signer signer;
    /** Bugs a test build planted on purpose (empty in production). */
    private final Set<PlantedBug> plantedBugs;
    private final Map<Long, Operation> operations = new LinkedHashMap<>();
    private final Map<RequestId, Long> operationByRequest = new HashMap<>();
    /** Replicas whose link the driver reported down; nothing is sent to them alone. */
    private final Set<Integer> unreachable = new HashSet<>();
    /**
     * Replicas whose full result the client last waited for in vain (crashed, cut off, slow): it
     * does not wait for them again until a full result of theirs arrives. Members only.
     */
    private final Set<Integer> lateFullRepliers = new HashSet<>();
    /** The highest regency a correct replica is known to have reached; its leader gets new requests. */
    private int leaderRegency;
    /** The session new requests are numbered in (the high 32 bits of their sequence numbers). */
    private long session;
    private long nextOrderedSequence;
    private long nextUnorderedSequence;
    private long ignoredReplies;

    /**
     * A client in session 0 that does not sign its requests.
     *
     * @param clientId the client's identity, unique among the cluster's clients
     * @param view     the replica group to talk to
     * @param config   retransmission timeouts and the in-flight limit
     */
    public ClientCore(long clientId, View view, ClientConfig config) {
        this(clientId, view, config, Signer.NONE);
    }

    /**
     * A client in session 0 that signs every request with {@code signer} (for clusters that require it).
     *
     * @param clientId the client's identity, unique among the cluster's clients
     * @param view     the replica group to talk to
     * @param config   retransmission timeouts and the in-flight limit
     * @param signer   signs each request, or {@link Signer#NONE}
     */
    public ClientCore(long clientId, View view, ClientConfig config, Signer signer) {
        this(clientId, view, config, signer, 0);
    }

    /**
     * A client in session {@code session}. Sequence numbers carry the session in their high 32
     * bits, so a client process that starts again under the same id must pick a higher session
     * than any earlier run (the runtime uses seconds since 2020): replicas then treat its numbers
     * as new instead of answering them from the previous run's reply cache, and drop whatever
     * the previous run left pending. Two processes must never share a client id at once.
     *
     * @param clientId the client's identity, unique among the cluster's clients
     * @param view     the replica group to talk to
     * @param config   retransmission timeouts and the in-flight limit
     * @param signer   signs each request, or {@link Signer#NONE}
     * @param session  the session number, within 0..{@link Integer#MAX_VALUE}
     * @throws IllegalArgumentException if {@code session} is out of range
     */
    public ClientCore(long clientId, View view, ClientConfig config, Signer signer, long session) {
        this(clientId, view, config, signer, session, Set.of());
    }

    /**
     * A client with bugs planted on purpose, for the simulator's mutation suite only ({@link PlantedBug}).
     *
     * @param clientId    the client's identity, unique among the cluster's clients
     * @param view        the replica group to talk to
     * @param config      retransmission timeouts and the in-flight limit
     * @param signer      signs each request, or {@link Signer#NONE}
     * @param session     the session number, within 0..{@link Integer#MAX_VALUE}
     * @param plantedBugs the bugs to plant; empty for a correct client
     * @throws IllegalArgumentException if {@code session} is out of range
     */
    public ClientCore(long clientId, View view, ClientConfig config, Signer signer, long session,
                      Set<PlantedBug> plantedBugs) {
        if (session < 0 || session > Integer.MAX_VALUE) {
            throw new IllegalArgumentException("session must be within 0.." + Integer.MAX_VALUE + ", got " + session);
        }
        this.session = session;
        this.nextOrderedSequence = (session << 32) + 1;
        this.nextUnorderedSequence = (session << 32) + 1;
        this.signer = Objects.requireNonNull(signer, "signer");
        this.clientId = clientId;
        this.view = Objects.requireNonNull(view, "view");
        this.quorums = view.quorums();
        this.config = Objects.requireNonNull(config, "config");
        this.plantedBugs = Set.copyOf(plantedBugs);
    }

    /**
     * The view this client's requests name.
     *
     * @return the id of the view the client was built with, or of the newest it adopted
     */
    public long viewId() {
        return view.id();
    }

    /**
     * The session requests started now are numbered in.
     *
     * @return the session: the high 32 bits of the sequence numbers of new requests
     */
    public long session() {
        return session;
    }

    /**
     * Numbers every request started from now on in {@code newSession}, from its first sequence
     * number: what a client does once a quorum refused a request of its session as
     * {@link Refusal.Reason#SESSION_UNKNOWN} (the replicas evicted the session, or lost their
     * state), since they will order nothing more of it. Replicas admit a session above the
     * ones they hold a tombstone for from its first window, as a new client's.
     *
     * <p>Requests already sent keep their numbers: outstanding operations go on in the old
     * session until a quorum answers or refuses them, and none is sent again under a new number,
     * because it may have run in the old session. The exception is a read-only query that is
     * retried as an ordered request afterwards: it never ran as one, and takes the new session's
     * next number.
     *
     * @param newSession the new session, above the current one and at most 2^31-1
     * @throws IllegalArgumentException if {@code newSession} is not above the current session or
     *                                  beyond 2^31-1
     */
    public void beginSession(long newSession) {
        if (newSession <= session || newSession > Integer.MAX_VALUE) {
            throw new IllegalArgumentException("a new session must be within " + (session + 1) + ".."
                    + Integer.MAX_VALUE + ", got " + newSession);
        }
        session = newSession;
        nextOrderedSequence = (newSession << 32) + 1;
        nextUnorderedSequence = (newSession << 32) + 1;
    }

    /**
     * Whether there is room for another operation.
     *
     * @return true if fewer than {@code outstandingMax} operations are outstanding
     */
    public boolean canInvoke() {
        return operations.size() < config.outstandingMax();
    }

    /**
     * Starts operation {@code operationId} (chosen by the caller, unique among outstanding ones).
     *
     * @param nowMs       the driver's current time in milliseconds, the base of the timer deadline
     * @param operationId the caller's id for the operation
     * @param operation   the service-defined operation
     * @param readOnly    try it as an unordered query first
     * @return the first request to send and its retransmission timer
     * @throws IllegalStateException if {@link #canInvoke()} is false or the id is in use
     */
    public ClientOutput invoke(long nowMs, long operationId, Bytes operation, boolean readOnly) {
        if (!canInvoke()) {
            throw new IllegalStateException("client " + clientId + " already has " + operations.size()
                    + " operations outstanding (outstandingMax " + config.outstandingMax() + ")");
        }
        if (operations.containsKey(operationId)) {
            throw new IllegalStateException("operation id " + operationId + " is already outstanding");
        }
        Operation op = new Operation(operationId, operation);
        operations.put(operationId, op);
        return start(nowMs, op, readOnly ? RequestKind.UNORDERED : RequestKind.ORDERED);
    }

    /**
     * Processes a reply that arrived on the link authenticated as replica {@code from}.
     *
     * @param nowMs the driver's current time in milliseconds
     * @param from  the replica the link authenticated
     * @param reply the reply; ignored if its sender is not {@code from} or it answers no outstanding request
     * @return a completion once a quorum agrees, a retry when a query cannot reach one, or nothing
     */
    public ClientOutput onReply(long nowMs, int from, Reply reply) {
        Long operationId = operationByRequest.get(reply.requestId());
        if (reply.sender() != from || !view.contains(from) || reply.clientId() != clientId || operationId == null) {
            ignoredReplies++;
            return ClientOutput.EMPTY;
        }
        Operation op = operations.get(operationId);
        Digest digest = digestOf(reply);
        if (digest == null) {
            ignoredReplies++;
            return ClientOutput.EMPTY;
        }
        Answer previous = op.replies.putIfAbsent(from, new Answer(digest, reply.regency()));
        boolean fullOfItsDigest = previous != null && previous.result().equals(digest) && !reply.digestOnly()
                && !op.fullResults.containsKey(digest);
        if (previous != null && !fullOfItsDigest) {
            ignoredReplies++; // a replica's first answer stands (a full copy of its digest is welcome)
            return ClientOutput.EMPTY;
        }
        if (!reply.digestOnly()) {
            lateFullRepliers.remove(from);
            op.fullResults.putIfAbsent(digest, reply.result());
        }
        Bytes full = op.fullResults.get(digest);
        boolean quorum = plantedBugs.contains(PlantedBug.CLIENT_ACCEPTS_F_PLUS_ONE_REPLIES)
                ? quorums.containsCorrect(op.repliersOf(digest)) : quorums.isQuorum(op.repliersOf(digest));
        if (full != null && quorum) {
            return complete(op, full);
        }
        if (quorum && !op.askedForFullCopy) {
            return awaitFullCopy(nowMs, op);
        }
        if (op.request.kind() == RequestKind.UNORDERED && !op.quorumStillPossible(view, quorums)) {
            return start(nowMs, op, RequestKind.ORDERED);
        }
        return ClientOutput.EMPTY;
    }

    /**
     * Processes a refusal that arrived on the link authenticated as replica {@code from}. A
     * replica refuses a request of a session that a newer session of this client id ended, of a
     * session it does not know past the session's first window (it lost its state), or of a
     * session it evicted to keep at most {@code clientsMax} sessions, or a request for an older
     * view than its own: it will not order it, now or later, and neither will any replica in the
     * same state. The operation fails once a quorum
     * of replicas refused it, the evidence a result needs too, so no minority (faulty or lagging)
     * can fail a call the others would complete. Their reasons may differ, since which one a
     * replica gives depends on how far it has got (one that has not yet decided the client's
     * newer session finds this one evicted, one that has finds it superseded), and requiring one
     * reason could leave the call waiting while replicas move between them; the failure names
     * the reason most of them gave. A refusal from the replica a request went to alone (the
     * leader) sends it to every replica at once, so the quorum forms in a round trip instead of a
     * retransmission timeout.
     *
     * @param from    the replica the link authenticated
     * @param refusal the refusal; ignored if its sender is not {@code from} or it refuses no outstanding request
     * @return a failure once a quorum refused, the request for every replica, or nothing
     */
    public ClientOutput onRefusal(int from, Refusal refusal) {
        Long operationId = operationByRequest.get(refusal.requestId());
        if (refusal.sender() != from || !view.contains(from) || refusal.clientId() != clientId || operationId == null) {
            ignoredReplies++;
            return ClientOutput.EMPTY;
        }
        if (refusal.reason() == Refusal.Reason.VIEW_OUTDATED) {
            if (refusal.viewId() <= view.id()) {
                ignoredReplies++; // about a request sent before this client learned the view, or from a replica removed from it
                return ClientOutput.EMPTY;
            }
            ClientOutput adopted = considerView(from, refusal);
            if (adopted != null) {
                return adopted;
            }
        }
        Operation op = operations.get(operationId);
        if (op.refusals.putIfAbsent(from, refusal) != null) {
            ignoredReplies++;
            return ClientOutput.EMPTY;
        }
        if (quorums.isQuorum(op.refusals.keySet())) {
            operations.remove(op.id);
            operationByRequest.remove(op.request.id());
            return new ClientOutput(List.of(), List.of(), List.of(),
                    List.of(failure(op, refusal)));
        }
        if (!op.sentToAll) {
            return new ClientOutput(List.of(broadcast(op)), List.of(), List.of());
        }
        return ClientOutput.EMPTY;
    }

    /**
     * Counts {@code from}'s offer of the newer view in {@code refusal}; once members of the view
     * this client knows that include a correct one (f+1 in BFT) offered the same view, adopts it:
     * requests name it from now on, go to its members, and every outstanding request is sent
     * again under it with its sequence number unchanged, so a request the old view already
     * ordered is answered from the replicas' caches and never runs twice.
     *
     * @return the retransmissions under the adopted view, or null if not adopted (yet)
     */
    private ClientOutput considerView(int from, Refusal refusal) {
        if (refusal.view().length() == 0) {
            return null;
        }
        Set<Integer> offeredBy = offeredViews.computeIfAbsent(refusal.view(), v -> new HashSet<>());
        offeredBy.add(from);
        if (!quorums.containsCorrect(offeredBy)) {
            return null;
        }
        View newer;
        try {
            newer = MessageCodec.decodeView(refusal.view().toArray());
        } catch (io.phalanx.core.codec.CodecException e) {
            offeredViews.remove(refusal.view()); // a correct replica sent it: this build cannot read it
            return null;
        }
        if (newer.id() != refusal.viewId() || newer.id() <= view.id() || newer.mode() != view.mode()) {
            offeredViews.remove(refusal.view());
            return null;
        }
        view = newer;
        quorums = newer.quorums();
        offeredViews.clear();
        unreachable.retainAll(newer.members());
        lateFullRepliers.retainAll(newer.members());
        viewsAdopted++;
        List<ClientOutput.Transmission> resent = new ArrayList<>();
        for (Operation op : operations.values()) {
            if (op.request == null) {
                continue;
            }
            resent.add(send(op, op.request.sequence(), op.request.kind()));
        }
        return new ClientOutput(resent, List.of(), List.of());
    }

    /**
     * How many newer views this client adopted from its replicas' refusals.
     *
     * @return the number of views adopted since it started
     */
    public long viewsAdopted() {
        return viewsAdopted;
    }

    /**
     * The view this client's requests name and go to.
     *
     * @return the view it was built with, or the newest it adopted
     */
    public View view() {
        return view;
    }

    /**
     * The failure a quorum of refusals ends {@code op} with: the reason given by the most
     * replicas ({@code latest}'s among equals), and the view most of those named (the highest
     * among equals).
     */
    private static ClientOutput.Failure failure(Operation op, Refusal latest) {
        Map<Refusal.Reason, Integer> counts = new java.util.EnumMap<>(Refusal.Reason.class);
        op.refusals.values().forEach(refusal -> counts.merge(refusal.reason(), 1, Integer::sum));
        Refusal.Reason most = latest.reason();
        for (Map.Entry<Refusal.Reason, Integer> entry : counts.entrySet()) {
            if (entry.getValue() > counts.get(most)) {
                most = entry.getKey();
            }
        }
        Map<Long, Integer> views = new java.util.TreeMap<>();
        for (Refusal refusal : op.refusals.values()) {
            if (refusal.reason() == most) {
                views.merge(refusal.viewId(), 1, Integer::sum);
            }
        }
        long view = -1;
        int votes = 0;
        for (Map.Entry<Long, Integer> entry : views.entrySet()) { // ascending: the highest wins a tie
            if (entry.getValue() >= votes) {
                view = entry.getKey();
                votes = entry.getValue();
            }
        }
        return new ClientOutput.Failure(op.id, op.request.id(), most, view);
    }

    /**
     * Gives up on an operation (its caller timed out): it stops being retransmitted and frees
     * its place. An ordered request already sent may still be executed by the replicas.
     *
     * @param operationId the operation to give up on
     * @return false if the operation was not outstanding
     */
    public boolean cancel(long operationId) {
        Operation op = operations.remove(operationId);
        if (op == null) {
            return false;
        }
        if (op.request != null) {
            operationByRequest.remove(op.request.id());
        }
        return true;
    }

    /** The digest a reply votes for; null for a malformed digest-only reply. */
    private static Digest digestOf(Reply reply) {
        if (!reply.digestOnly()) {
            return Digests.sha256(reply.result().toArray());
        }
        return reply.result().length() == Digest.LENGTH ? new Digest(reply.result()) : null;
    }

    /**
     * A timer set by an earlier output fired. An ordered request is resent to every replica with
     * a doubled timeout; an unordered one is retried on the ordered path.
     *
     * @param nowMs       the driver's current time in milliseconds
     * @param operationId the timer's operation
     * @param attempt     the timer's attempt; a stale one is ignored
     * @return the retransmission and its next timer, or nothing for a stale timer
     */
    public ClientOutput onTimeout(long nowMs, long operationId, int attempt) {
        Operation op = operations.get(operationId);
        if (op == null || op.attempt != attempt) {
            return ClientOutput.EMPTY;
        }
        if (awaitsFullCopy(operationId) && nowMs >= op.fullCopyDueMs) {
            lateFullRepliers.add(ReplyPolicy.fullReplier(view, clientId, op.request.sequence()));
            return askForFullCopy(op); // the retransmission timer of this attempt stays armed
        }
        if (op.request.kind() == RequestKind.UNORDERED) {
            return start(nowMs, op, RequestKind.ORDERED);
        }
        op.attempt++;
        op.timeoutMs = Math.min(op.timeoutMs * 2, config.retransmitTimeoutMaxMs());
        op.sentAtMs = nowMs;
        if (op.fullCopyDueMs >= 0) {
            // A quorum agreed already, so the request is decided: every replica answers this
            // retransmission in full from its cache, which ends the wait. Otherwise a quorum of
            // digests still to come starts a wait of its own.
            op.askedForFullCopy = true;
        }
        return new ClientOutput(List.of(broadcast(op)), List.of(),
                List.of(new ClientOutput.Timer(op.id, op.attempt, nowMs + op.timeoutMs)));
    }

    /**
     * The driver lost its link to {@code replica}: requests sent to it alone go to every replica
     * now, and new ones will until {@link #onReplicaUp}.
     *
     * @param replica the replica whose link is down
     * @return the requests to send to every replica instead
     */
    public ClientOutput onReplicaDown(int replica) {
        if (!view.contains(replica) || !unreachable.add(replica)) {
            return ClientOutput.EMPTY;
        }
        List<ClientOutput.Transmission> resent = new ArrayList<>();
        for (Operation op : operations.values()) {
            if (!op.sentToAll && op.sentTo == replica) {
                resent.add(broadcast(op));
            }
        }
        return new ClientOutput(resent, List.of(), List.of());
    }

    /**
     * The driver's link to {@code replica} is up (again): requests sent to every replica, or to
     * it alone, may have been sent while it was down and never reached it, so they go to it now
     * rather than after a retransmission timeout (this is also what makes a new client's first
     * calls fast). A replica that did get one already ignores the copy.
     *
     * @param replica the replica whose link is up
     * @return the outstanding requests to send to it
     */
    public ClientOutput onReplicaUp(int replica) {
        if (!view.contains(replica)) {
            return ClientOutput.EMPTY;
        }
        unreachable.remove(replica);
        List<ClientOutput.Transmission> resent = new ArrayList<>();
        for (Operation op : operations.values()) {
            if (op.sentToAll || op.sentTo == replica) {
                resent.add(new ClientOutput.Unicast(op.id, op.request, replica));
            }
        }
        return new ClientOutput(resent, List.of(), List.of());
    }

    /**
     * The replica that gets new ordered requests: the leader of the highest regency known.
     *
     * @return that replica's id
     */
    public int leader() {
        return view.leaderOf(leaderRegency);
    }

    /**
     * The identity this client sends requests under.
     *
     * @return the client id
     */
    public long clientId() {
        return clientId;
    }

    /**
     * The operations invoked and neither completed, failed nor cancelled.
     *
     * @return how many there are
     */
    public int outstanding() {
        return operations.size();
    }

    /**
     * Replies and refusals dropped: unknown request, wrong sender, or a replica's second answer.
     *
     * @return how many were dropped since the client started
     */
    public long ignoredReplies() {
        return ignoredReplies;
    }

    private ClientOutput start(long nowMs, Operation op, RequestKind kind) {
        if (op.request != null) {
            operationByRequest.remove(op.request.id());
        }
        long sequence = kind == RequestKind.ORDERED ? nextOrderedSequence++ : nextUnorderedSequence++;
        op.sentAtMs = nowMs;
        op.attempt++;
        op.timeoutMs = config.retransmitTimeoutMs();
        ClientOutput.Transmission first = send(op, sequence, kind);
        operationByRequest.put(op.request.id(), op.id);
        return new ClientOutput(List.of(first), List.of(),
                List.of(new ClientOutput.Timer(op.id, op.attempt, nowMs + op.timeoutMs)));
    }

    /**
     * Makes {@code op}'s request with {@code sequence} under the current view, signed, forgets the
     * answers to any earlier one, and sends it: an ordered request to the leader alone while it is
     * reachable, anything else to every replica.
     */
    private ClientOutput.Transmission send(Operation op, long sequence, RequestKind kind) {
        Request unsigned = new Request(clientId, sequence, kind, view.id(), op.operation);
        op.request = signer == Signer.NONE ? unsigned
                : unsigned.withSignature(signer.sign(MessageCodec.signedBytes(unsigned)));
        op.replies.clear();
        op.refusals.clear();
        op.fullResults.clear();
        op.askedForFullCopy = false;
        op.fullCopyDueMs = -1;
        int leader = leader();
        if (kind == RequestKind.ORDERED && !unreachable.contains(leader)) {
            op.sentToAll = false;
            op.sentTo = leader;
            return new ClientOutput.Unicast(op.id, op.request, leader);
        }
        return broadcast(op);
    }

    /**
     * A quorum agrees on the result's digest, but the one replica that sends the result in full
     * ({@link ReplyPolicy#fullReplier}) has not answered. It is usually just the last to: the
     * client gives it as long again as the quorum took since the request left (at least
     * {@link #FULL_COPY_WAIT_MIN_MS}, within the retransmission timeout), and only then asks
     * every replica, which answer in full from their reply caches. If that replica answered
     * something else, its link is down, or the last wait for it was in vain, it asks at once.
     */
    private ClientOutput awaitFullCopy(long nowMs, Operation op) {
        int fullReplier = ReplyPolicy.fullReplier(view, clientId, op.request.sequence());
        if (op.replies.containsKey(fullReplier) || unreachable.contains(fullReplier)
                || lateFullRepliers.contains(fullReplier)) {
            return askForFullCopy(op);
        }
        if (op.fullCopyDueMs >= 0) {
            return ClientOutput.EMPTY; // waiting already
        }
        long waitMs = Math.min(Math.max(FULL_COPY_WAIT_MIN_MS, nowMs - op.sentAtMs), op.timeoutMs);
        op.fullCopyDueMs = nowMs + waitMs;
        return new ClientOutput(List.of(), List.of(), List.of(new ClientOutput.Timer(op.id, op.attempt, op.fullCopyDueMs)));
    }

    private static ClientOutput askForFullCopy(Operation op) {
        op.askedForFullCopy = true;
        return new ClientOutput(List.of(broadcast(op)), List.of(), List.of());
    }

    /**
     * Whether operation {@code operationId} waits for the full copy of a result a quorum agreed
     * on: the next {@link #onTimeout} for it, once that wait is over, asks every replica for it
     * (a driver counting retransmissions by cause counts that one as a full-result request).
     *
     * @param operationId the operation
     * @return true if a quorum agreed on a digest and the full result is neither here nor asked for yet
     */
    public boolean awaitsFullCopy(long operationId) {
        Operation op = operations.get(operationId);
        return op != null && op.fullCopyDueMs >= 0 && !op.askedForFullCopy;
    }

    private static ClientOutput.Broadcast broadcast(Operation op) {
        op.sentToAll = true;
        return new ClientOutput.Broadcast(op.id, op.request);
    }

    private ClientOutput complete(Operation op, Bytes result) {
        operations.remove(op.id);
        operationByRequest.remove(op.request.id());
        followRegency(op.replies);
        return new ClientOutput(List.of(), List.of(new ClientOutput.Completion(op.id, op.request.id(), result)), List.of());
    }

    /**
     * Moves the leader hint to the highest regency r such that the replicas reporting r or more
     * contain a correct one: a correct replica reached r, so regencies below it are over.
     */
    private void followRegency(Map<Integer, Answer> answers) {
        int highest = leaderRegency;
        for (Answer answer : answers.values()) {
            highest = Math.max(highest, answer.regency());
        }
        if (highest == leaderRegency) {
            return; // the steady state, once per completed operation: nothing to sort
        }
        List<Map.Entry<Integer, Answer>> highestFirst = new ArrayList<>(answers.entrySet());
        highestFirst.sort((a, b) -> Integer.compare(b.getValue().regency(), a.getValue().regency()));
        Set<Integer> reporters = new HashSet<>();
        for (Map.Entry<Integer, Answer> report : highestFirst) {
            int regency = report.getValue().regency();
            if (regency <= leaderRegency) {
                return;
            }
            reporters.add(report.getKey());
            if (quorums.containsCorrect(reporters)) {
                leaderRegency = regency;
                return;
            }
        }
    }

    /** A replica's answer: the digest of the result it returned (full or digest-only), and the regency it reported. */
    private record Answer(Digest result, int regency) {
    }

    /** One outstanding operation and the replies to its current request. */
    private static final class Operation {
        final long id;
        final Bytes operation;
        /** Per replica, its first answer. */
        final Map<Integer, Answer> replies = new HashMap<>();
        /** Per replica, why it refused the current request, if it did. */
        final Map<Integer, Refusal> refusals = new HashMap<>();
        /** Full results received, by digest. */
        final Map<Digest, Bytes> fullResults = new HashMap<>();
        Request request;
        /** When the current request was last sent (first, or by the retransmission timer). */
        long sentAtMs;
        /** When to ask every replica for the full result a quorum agreed on; -1 if not waiting for one. */
        long fullCopyDueMs = -1;
        boolean askedForFullCopy;
        /** Whether the current request went to every replica; if not, it went to {@code sentTo} only. */
        boolean sentToAll;
        int sentTo;
        int attempt;
        long timeoutMs;

        Operation(long id, Bytes operation) {
            this.id = id;
            this.operation = operation;
        }

        Set<Integer> repliersOf(Digest result) {
            Set<Integer> senders = new HashSet<>();
            replies.forEach((sender, answer) -> {
                if (answer.result().equals(result)) {
                    senders.add(sender);
                }
            });
            return senders;
        }

        /** True if some result could still gather a quorum from its repliers plus the silent replicas. */
        boolean quorumStillPossible(View view, QuorumSystem quorums) {
            List<Integer> silent = new ArrayList<>();
            for (int member : view.members()) {
                if (!replies.containsKey(member)) {
                    silent.add(member);
                }
            }
            if (quorums.isQuorum(silent)) {
                return true;
            }
            Set<Digest> results = new HashSet<>();
            replies.values().forEach(answer -> results.add(answer.result()));
            for (Digest result : results) {
                Set<Integer> possible = repliersOf(result);
                possible.addAll(silent);
                if (quorums.isQuorum(possible)) {
                    return true;
                }
            }
            return false;
        }
    }
}
