package io.phalanx.bench.process;

import java.io.IOException;
import java.io.RandomAccessFile;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.LocalTime;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * What a {@code phalanx replica} process logged since some point: its status lines (every
 * {@code --status-interval-ms}) and the state-transfer lines of {@code ProtocolLoop}, each with
 * its time in milliseconds after a reference time of day (the replica's restart), taken from
 * the line's {@code HH:mm:ss.SSS} stamp (the {@code phalanx} command's log pattern). The replica
 * and the reader run on one machine, so they share the clock and the time zone.
 *
 * @param statuses           the status lines, in order
 * @param transferStartedMs  when the first state transfer started, if one did
 * @param transferCheckpoint the checkpoint of the last transfer started before one ended, -1 if none
 * @param transferEndedMs    when the first transfer ended with a state, if one did
 * @param errors             the ERROR lines, whole
 */
public record ReplicaLog(List<Status> statuses, OptionalLong transferStartedMs, long transferCheckpoint,
                         OptionalLong transferEndedMs, List<String> errors) {
    /** The line's time of day, at its start. */
    private static final Pattern STAMP = Pattern.compile("^(\\d{2}):(\\d{2}):(\\d{2})\\.(\\d{3}) ");
    /** {@code ReplicaStatus.summary()}, as {@code phalanx replica} logs it. */
    private static final Pattern STATUS = Pattern.compile(
            "status: replica (\\d+) \\((leader|follower of r\\d+)\\): regency (\\d+)( \\(changing\\))?, decided (-?\\d+), "
                    + "executed (-?\\d+), pending \\d+(.*)$");
    private static final Pattern CHUNKS = Pattern.compile("STATE TRANSFER of checkpoint (-?\\d+): (\\d+)/(\\d+) chunks");
    private static final Pattern TRANSFER_STARTED = Pattern.compile("state transfer of checkpoint (-?\\d+) started");
    /** Ends a transfer; at consensus id -1 it was given up (the replica then starts another). */
    private static final Pattern TRANSFER_ENDED = Pattern.compile("state transfer ended at consensus id (-?\\d+)");
    private static final long DAY_MS = 24L * 3600 * 1000;
    /** Most bytes read from one log: a replica logging a status line every 100 ms writes far less in an hour. */
    private static final long READ_BYTES_MAX = 256L << 20;

    /**
     * One status line.
     *
     * @param atMs     when it was logged, in milliseconds after the reference time
     * @param id       the replica
     * @param regency  its regency
     * @param changing whether a leader change was under way
     * @param decided  its last decided consensus id
     * @param executed its last executed consensus id
     * @param flags    the rest of the line (RECOVERING, STATE TRANSFER ..., and so on)
     * @param chunksIn chunks of the checkpoint in transfer received so far; -1 when no transfer runs
     * @param chunks   chunks of that checkpoint; -1 when no transfer runs
     */
    public record Status(long atMs, int id, int regency, boolean changing, long decided, long executed, String flags,
                         int chunksIn, int chunks) {
        /**
         * Voting in its regency: not recovering, not transferring state, not in a leader change
         * (a voting replica may still be a few decisions behind for a moment under load).
         *
         * @return true if the line shows the replica voting
         */
        public boolean voting() {
            return !changing && !flags.contains("RECOVERING") && !flags.contains("STATE TRANSFER");
        }

        /** Parses one status line stamped {@code atMs}, or empty if {@code line} is none. */
        static Optional<Status> parse(String line, long atMs) {
            Matcher m = STATUS.matcher(line);
            if (!m.find()) {
                return Optional.empty();
            }
            String flags = m.group(7).replaceFirst("^, ", "").trim();
            Matcher chunks = CHUNKS.matcher(flags);
            boolean transferring = chunks.find();
            return Optional.of(new Status(atMs, Integer.parseInt(m.group(1)), Integer.parseInt(m.group(3)),
                    m.group(4) != null, Long.parseLong(m.group(5)), Long.parseLong(m.group(6)), flags,
                    transferring ? Integer.parseInt(chunks.group(2)) : -1,
                    transferring ? Integer.parseInt(chunks.group(3)) : -1));
        }
    }

    /**
     * Reads {@code file} from byte {@code offset} on; times are milliseconds after {@code reference}.
     *
     * @param file      the replica's log file; a missing file reads as empty
     * @param offset    where to start reading, e.g. {@link #size} before a restart
     * @param reference the time of day times are counted from
     * @return what the lines from there on say
     * @throws IOException if the file exists and cannot be read
     */
    public static ReplicaLog read(Path file, long offset, LocalTime reference) throws IOException {
        return parse(tail(file, offset), reference);
    }

    /**
     * The log's size now: where a restart's lines will begin.
     *
     * @param file the replica's log file
     * @return its length in bytes, 0 if it does not exist
     * @throws IOException if its size cannot be read
     */
    public static long size(Path file) throws IOException {
        return java.nio.file.Files.exists(file) ? java.nio.file.Files.size(file) : 0;
    }

    /** Parses log text; a last line without its line break (still being written) is left out. */
    static ReplicaLog parse(String text, LocalTime reference) {
        List<Status> statuses = new ArrayList<>();
        List<String> errors = new ArrayList<>();
        OptionalLong started = OptionalLong.empty();
        OptionalLong ended = OptionalLong.empty();
        long checkpoint = -1;
        int complete = text.lastIndexOf('\n');
        for (String line : complete < 0 ? new String[0] : text.substring(0, complete).split("\n")) {
            Matcher stamp = STAMP.matcher(line);
            if (!stamp.find()) {
                continue; // a stack trace's continuation, or the JVM's own output
            }
            long at = millisAfter(reference, LocalTime.of(Integer.parseInt(stamp.group(1)),
                    Integer.parseInt(stamp.group(2)), Integer.parseInt(stamp.group(3)),
                    Integer.parseInt(stamp.group(4)) * 1_000_000));
            Optional<Status> status = Status.parse(line, at);
            if (status.isPresent()) {
                statuses.add(status.get());
                continue;
            }
            // From the first transfer started to the first that ended with a state: transfers given
            // up or replaced by one of a newer checkpoint count in the time, the last one's checkpoint is reported.
            Matcher transfer = TRANSFER_STARTED.matcher(line);
            Matcher end = TRANSFER_ENDED.matcher(line);
            if (transfer.find() && ended.isEmpty()) {
                if (started.isEmpty()) {
                    started = OptionalLong.of(at);
                }
                checkpoint = Long.parseLong(transfer.group(1));
            } else if (end.find() && started.isPresent() && ended.isEmpty() && Long.parseLong(end.group(1)) >= 0) {
                ended = OptionalLong.of(at);
            } else if (line.contains(" ERROR ")) {
                errors.add(line);
            }
        }
        return new ReplicaLog(List.copyOf(statuses), started, checkpoint, ended, List.copyOf(errors));
    }

    /**
     * The latest status line.
     *
     * @return it, or empty if there is none
     */
    public Optional<Status> latest() {
        return statuses.isEmpty() ? Optional.empty() : Optional.of(statuses.get(statuses.size() - 1));
    }

    /** Milliseconds from {@code reference} to {@code time}, the nearer way across midnight. */
    static long millisAfter(LocalTime reference, LocalTime time) {
        long ms = (time.toNanoOfDay() - reference.toNanoOfDay()) / 1_000_000;
        if (ms < -DAY_MS / 2) {
            ms += DAY_MS;
        } else if (ms > DAY_MS / 2) {
            ms -= DAY_MS;
        }
        return ms;
    }

    private static String tail(Path file, long offset) throws IOException {
        if (!java.nio.file.Files.exists(file)) {
            return "";
        }
        try (RandomAccessFile in = new RandomAccessFile(file.toFile(), "r")) {
            long length = Math.min(in.length() - offset, READ_BYTES_MAX);
            if (length <= 0) {
                return "";
            }
            byte[] bytes = new byte[(int) length];
            in.seek(offset);
            in.readFully(bytes);
            return new String(bytes, StandardCharsets.UTF_8);
        }
    }
}
