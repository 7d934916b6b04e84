package io.phalanx.core.replica;

/**
 * Things a replica counts instead of logging one line per occurrence. Every input the core
 * refuses is counted under one of these, so no drop is silent.
 */
public enum Counter {
    /** A replica message whose sender field disagrees with the authenticated link. */
    SPOOFED_SENDER,
    /** A replica message from a replica outside the view. */
    NOT_A_MEMBER,
    /** A message for an instance already decided here. */
    STALE_INSTANCE,
    /** A message for an instance beyond the buffering window. */
    BEYOND_WINDOW,
    /** A message for an epoch other than the current one. */
    WRONG_EPOCH,
    /** A PROPOSE from a replica that is not the leader of the epoch. */
    NOT_FROM_LEADER,
    /** A second, different PROPOSE for the same instance and epoch (the leader equivocated). */
    CONFLICTING_PROPOSAL,
    /** A PROPOSE that failed validation (see the replica's last rejection reason). */
    INVALID_PROPOSAL,
    /** A second, different vote from the same replica in the same round. */
    CONFLICTING_VOTE,
    /**
     * A vote this replica did not cast because it already voted for another value in that epoch
     * before it restarted (its hard state says so): the value came from an equivocating leader.
     */
    VOTE_WOULD_CONTRADICT,
    /**
     * An instance this replica, as leader, did not propose for after a restart: it restarted in
     * this regency, so it may have proposed (or written) a value it no longer has, and any other
     * would equivocate. The instance waits for the next regency, whose SYNC recovers the value.
     */
    PROPOSAL_WITHHELD,
    /** A client request refused on arrival (bad size, outside its window, refused by the service). */
    INVALID_REQUEST,
    /**
     * A client request (sent or relayed) for another view than this replica's: one for an older
     * view is refused ({@code VIEW_OUTDATED}), one for a newer view is left to the replicas that
     * know it.
     */
    REQUEST_WRONG_VIEW,
    /** An administrator's view change decided and installed: its view governs from the instance it names. */
    VIEW_CHANGE_DECIDED,
    /**
     * The instances of another view reached (by decision or checkpoint); above regency 0 the
     * replica then waits for that view's SYNC of the same regency.
     */
    VIEW_ENTERED,
    /** Views entered whose change removed the leader of the running regency: the next member leads it, without a timeout. */
    LEADER_HANDED_OVER,
    /** Views entered that name a new key for this replica: it signs with that key from their first instance. */
    OWN_KEY_ROTATED,
    /** An administrator's request decided but refused (malformed, invalid view, or another change still pending). */
    VIEW_CHANGE_REFUSED,
    /** A client request dropped because the pending queue is full. */
    PENDING_FULL,
    /** A retransmission of a request that is already pending. */
    DUPLICATE_REQUEST,
    /** A retransmission of a request already decided; the cached reply is resent. */
    REPLY_RESENT,
    /** A client request refused with a {@code Refusal}: its session was superseded or is unknown here. */
    REQUEST_REFUSED,
    /** Instances decided. */
    DECIDED,
    /** Proposals this replica made as leader. */
    PROPOSED,
    /** A vote, request or proof whose signature did not verify. */
    BAD_SIGNATURE,
    /** Requests passed on to every replica after their timer expired once. */
    FORWARDED,
    /** Requests a client sent to this follower, passed on to the leader at once. */
    FORWARDED_TO_LEADER,
    /** STOP messages this replica sent (each a leader change it asked for or joined). */
    STOP_SENT,
    /** STOPs taken back because everything the replica waited for was decided after all. */
    STOP_WITHDRAWN,
    /** Regencies installed (leader changes completed or joined). */
    REGENCY_INSTALLED,
    /** A STOPDATA whose signature, decision proof or vote report did not hold, or that came to a non-leader. */
    INVALID_STOP_DATA,
    /** A SYNC that was not from the regency's leader or whose proofs or choice did not hold. */
    INVALID_SYNC,
    /** The new leader held a quorum of STOPDATA whose reports were not sound yet, and waited for more. */
    STOP_DATA_NOT_SOUND,
    /** The leader sent its SYNC again to a replica that reported (STOPDATA) after the regency began. */
    SYNC_RESENT,
    /** A decision from a peer whose proof did not hold. */
    INVALID_DECISION,
    /** Requests to peers for decisions this replica missed. */
    FETCH_SENT,
    /** Decisions learned from peers' proofs rather than by voting. */
    DECISIONS_LEARNED,
    /** Decisions sent to peers that were behind. */
    DECISIONS_PUSHED,
    /** A fetch for decisions older than this replica's decision log keeps (needs state transfer). */
    DECISION_UNAVAILABLE,
    /**
     * Instances decided on ACCEPTs from so many replicas that their valid signatures surely make a
     * quorum, none of them checked (BFT; see {@code NormalCase#tryDecide}).
     */
    DECIDED_UNVERIFIED,
    /** Checkpoints the execution layer took and this replica now serves. */
    CHECKPOINT_TAKEN,
    /** Queries to peers about their state (recovering, or looking for a checkpoint). */
    STATE_QUERY_SENT,
    /** Reports of this replica's state sent to peers. */
    STATE_REPORT_SENT,
    /** State transfers started: the decisions this replica lacked were gone from its peers' logs. */
    STATE_TRANSFER_STARTED,
    /** Chunk requests sent during state transfer (retries included). */
    CHUNK_FETCH_SENT,
    /** Chunks received that matched the digest f+1 replicas vouched for. */
    CHUNK_RECEIVED,
    /** Chunks that did not match their digest, or came unasked: their sender is not asked again in this transfer. */
    BAD_CHUNK,
    /** Chunk requests for a checkpoint this replica no longer (or never) kept, or could not read from its disk. */
    CHUNK_UNAVAILABLE,
    /** Chunks a state transfer found intact on disk, written before a restart: not fetched again. */
    CHUNK_RESUMED,
    /**
     * Transfers whose image did not read back as written (a disk that lost or misplaced a write):
     * not installed; the next transfer keeps the chunks that match and fetches the rest again.
     */
    IMAGE_DAMAGED,
    /** Checkpoints installed by state transfer. */
    CHECKPOINT_INSTALLED,
    /**
     * Transferred checkpoints not installed because the proof of their last decision, checked
     * against the view their header names, did not hold: the report that carried it lied.
     */
    INVALID_CHECKPOINT_PROOF,
    /** A replica that started without its state caught up far enough to vote again. */
    RECOVERED,
    /** Read-only queries left unanswered because this replica was recovering, or restored and not yet past its last votes (its state may be stale). */
    QUERY_WHILE_RECOVERING,
    /**
     * Client sessions the ordering layer evicted at a decision to stay within {@code clientsMax}
     * (the execution layer evicts the same ones when it executes that decision).
     */
    CLIENT_SESSION_EVICTED
}
