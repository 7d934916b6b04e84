package io.phalanx.core;

/**
 * Bugs that a test build can switch on, one at a time or together, to prove that the simulator
 * finds them (the mutation suite, {@code MutationSuiteTest} in phalanx-sim). Production code never
 * plants any: every constructor that takes a set of planted bugs has an overload without one.
 *
 * <p>The set is immutable and passed explicitly to the object whose code holds the bug (a
 * {@code ReplicaCore}, {@code ClientCore} or {@code ServiceExecutor}); nothing static or global
 * changes. Each bug is one {@code contains} check at the one place it lives, named below, so a new
 * one is one constant here plus one check there.
 */
public enum PlantedBug {
    /** {@code ClientCore#onReply}: a result is final after f+1 matching replies instead of a quorum. */
    CLIENT_ACCEPTS_F_PLUS_ONE_REPLIES,
    /** {@code NormalCase} (BFT): a replica sends ACCEPT after f+1 matching WRITEs instead of a quorum. */
    ACCEPT_AFTER_F_PLUS_ONE_WRITES,
    /**
     * {@code Proofs#choose} (BFT): the leader-change choice rule ignores the writes and
     * acceptances the STOPDATAs report, so the new leader proposes freely (followers, running the
     * same rule, agree).
     */
    CHOICE_IGNORES_WRITE_CERTIFICATES,
    /** {@code Proofs#choose} (CFT): the choice rule binds the value accepted in the lowest epoch, not the highest. */
    CFT_CHOICE_BINDS_LOWEST_EPOCH,
    /**
     * {@code ServiceExecutor#execute}: the executor forgets its at-most-once check, so a request that
     * a later decision repeats (a value a leader change bound may hold one an earlier instance also
     * holds) is executed a second time.
     */
    REQUEST_EXECUTED_TWICE,
    /**
     * {@code StateTransfer#vouched} (BFT): a checkpoint that one report vouches for is fetched and
     * installed, its digest not compared with f others', so a Byzantine replica can hand a
     * replica that needs state transfer a forged state.
     */
    CHECKPOINT_DIGEST_NOT_COMPARED
}
