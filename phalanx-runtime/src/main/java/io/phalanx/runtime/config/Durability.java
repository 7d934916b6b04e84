package io.phalanx.runtime.config;

/**
 * The {@code durability} section: what a replica keeps on disk and when it waits for it.
 *
 * @param mode              what survives a crash (see {@link Mode})
 * @param syncIntervalMs    in {@link Mode#ASYNC}, the longest a logged record waits for an fsync
 * @param segmentBytesMax   size at which the log starts a new segment file; whole segments are
 *                          deleted once a durable checkpoint covers them
 * @param checkpointsRetain checkpoints kept on disk (the newest ones); an older one is a fallback
 *                          when the newest is found corrupt
 */
public record Durability(Mode mode, long syncIntervalMs, long segmentBytesMax, int checkpointsRetain) {
    /** What survives a crash. */
    public enum Mode {
        /**
         * Memory only: a restart is treated like a wiped disk, the replica recovers from its peers
         * before it votes, and a crash of every replica at once loses the cluster's state.
         */
        NONE,
        /**
         * Decisions and votes are logged and synced in the background: a restarted replica has its
         * state up to its last synced record and recovers the rest from its peers before it votes
         * (it may have voted after that record). A crash of more than f replicas at once may lose
         * the last acknowledged writes.
         */
        ASYNC,
        /**
         * A vote leaves only after the hard state that records it is on disk, and a reply only after
         * its batch is: a restarted replica votes again at once, and nothing acknowledged is lost even
         * if every replica crashes at the same instant. Many records share one fsync (group commit).
         */
        SYNC
    }

    /** Default size at which the log starts a new segment: 64 MiB. */
    public static final long SEGMENT_BYTES_MAX_DEFAULT = 64L << 20;

    /**
     * The section's values when the file omits it.
     *
     * @return sync mode, 64 MiB segments, two checkpoints kept
     */
    public static Durability defaults() {
        return new Durability(Mode.SYNC, 100, SEGMENT_BYTES_MAX_DEFAULT, 2);
    }

    /**
     * Memory only, for tests and benchmarks that measure the protocol alone.
     *
     * @return mode none with the default sizes
     */
    public static Durability none() {
        return new Durability(Mode.NONE, 100, SEGMENT_BYTES_MAX_DEFAULT, 2);
    }
}
