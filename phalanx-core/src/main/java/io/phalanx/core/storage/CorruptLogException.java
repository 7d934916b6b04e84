package io.phalanx.core.storage;

import java.util.Optional;

/**
 * A {@link SegmentedLog} holds a record that is damaged somewhere a crash cannot explain: not the
 * torn tail of the last segment (which {@link SegmentedLog#open} cuts) but a bad record with intact
 * data after it, a bad record in an older segment, a missing segment. Durable data was lost, so the
 * replica must not start from this log: it stops until an operator repairs it, typically by
 * dropping everything from {@link #position()} on ({@link SegmentedLog#deleteFrom}) and fetching the
 * missing decisions from peers.
 */
public final class CorruptLogException extends Exception {
    /** The file holding the damage. */
    private final String fileName;
    /** Where in {@link #fileName} the damage starts. */
    private final long offset;
    /** What is wrong there. */
    private final String reason;
    /** Where to cut the log, or null if the damage is a file that is no segment. */
    private final SegmentedLog.Position position;

    /**
     * Damage found in a log, by the log itself or by a reader of its records.
     *
     * @param fileName the file holding the damage
     * @param offset   where in it the damaged record (or the file) starts
     * @param reason   what is wrong there
     * @param position where to cut the log, or null if the damage is a file that is no segment
     */
    public CorruptLogException(String fileName, long offset, String reason, SegmentedLog.Position position) {
        super("corrupt log file " + fileName + " at byte " + offset + ": " + reason);
        this.fileName = fileName;
        this.offset = offset;
        this.reason = reason;
        this.position = position;
    }

    /**
     * The file holding the damage.
     *
     * @return the file's name in the log's storage
     */
    public String fileName() {
        return fileName;
    }

    /**
     * Where the damage starts.
     *
     * @return the byte offset in {@link #fileName()} where the first damaged record (or the file) starts
     */
    public long offset() {
        return offset;
    }

    /**
     * What is wrong there, for the operator.
     *
     * @return a description of the damage
     */
    public String reason() {
        return reason;
    }

    /**
     * Where to cut the log to drop the damage and everything after it.
     *
     * @return the position to pass to {@link SegmentedLog#deleteFrom}; empty when the damage is a
     *         file whose name is not a valid segment name, which an operator must look at by hand
     */
    public Optional<SegmentedLog.Position> position() {
        return Optional.ofNullable(position);
    }
}
