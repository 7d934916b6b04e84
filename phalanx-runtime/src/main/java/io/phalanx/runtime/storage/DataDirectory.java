package io.phalanx.runtime.storage;

import io.phalanx.core.replica.ReplicaCore;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;

/**
 * A replica's data directory. {@value #MARKER} is written (and synced to disk) the first time the
 * replica starts there, before it can vote: its presence is how a replica tells a restart, after
 * which it may have votes to recover ({@link ReplicaCore.Start#RECOVERING}), from its very first
 * start ({@link ReplicaCore.Start#FIRST_START}). A replica whose directory was wiped starts as a
 * first start too, and recovers like a restart unless its peers report that the cluster has not
 * begun (see {@code StateTransfer}). {@value #DURABILITY} names the durability mode of the run that wrote
 * the log: only a log written entirely under {@code sync} holds every vote. The log segments and
 * checkpoints ({@link ReplicaStorage}) live here too.
 */
public final class DataDirectory {
    /** The file that says this directory belongs to a replica that has started here before. */
    public static final String MARKER = "replica-id";
    /** The file that names the durability mode the log was last written under. */
    public static final String DURABILITY = "durability";

    private DataDirectory() {
    }

    /**
     * Opens (creating it if needed) replica {@code replicaId}'s data directory {@code dir}; returns
     * how its core must start.
     *
     * @param dir       the data directory
     * @param replicaId the replica that owns it
     * @return {@link ReplicaCore.Start#FIRST_START} for a new directory, else {@link ReplicaCore.Start#RECOVERING}
     * @throws IOException if the directory cannot be created or written, or belongs to another replica
     */
    public static ReplicaCore.Start open(Path dir, int replicaId) throws IOException {
        Path marker = dir.resolve(MARKER);
        String expected = Integer.toString(replicaId);
        try {
            String found = Files.readString(marker, StandardCharsets.UTF_8).strip();
            if (!found.equals(expected)) {
                throw new IOException("data directory " + dir + " belongs to replica " + found + ", not replica "
                        + replicaId + " (" + marker + ")");
            }
            return ReplicaCore.Start.RECOVERING;
        } catch (NoSuchFileException firstStart) {
            writeAtomically(dir, MARKER, expected);
            return ReplicaCore.Start.FIRST_START;
        }
    }

    /**
     * The durability mode the log was last written under.
     *
     * @param dir the data directory
     * @return the mode named in {@code dir}'s {@value #DURABILITY} file; empty if there is none
     * @throws IOException if the file exists and cannot be read
     */
    public static String readDurability(Path dir) throws IOException {
        try {
            return Files.readString(dir.resolve(DURABILITY), StandardCharsets.UTF_8).strip();
        } catch (NoSuchFileException none) {
            return "";
        }
    }

    /**
     * Records, durably, that the log is from now on written under {@code mode}.
     *
     * @param dir  the data directory
     * @param mode the durability mode's name: {@code none}, {@code async} or {@code sync}
     * @throws IOException if the file cannot be written or synced
     */
    public static void writeDurability(Path dir, String mode) throws IOException {
        writeAtomically(dir, DURABILITY, mode);
    }

    /** Writes {@code name} atomically and durably: temp file, fsync, rename, directory fsync. */
    private static void writeAtomically(Path dir, String name, String content) throws IOException {
        Files.createDirectories(dir);
        DurableFiles.writeAtomically(dir, name, (content + "\n").getBytes(StandardCharsets.UTF_8));
    }
}
