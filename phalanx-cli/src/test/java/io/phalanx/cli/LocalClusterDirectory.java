package io.phalanx.cli;

import io.phalanx.runtime.config.Mode;
import io.phalanx.runtime.keys.Keygen;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.time.Instant;
import java.util.concurrent.ThreadLocalRandom;

/**
 * A `phalanx keygen` directory on free local ports, with a short request timer for quick leader
 * changes and up to 4 instances in flight.
 */
final class LocalClusterDirectory {
    private LocalClusterDirectory() {
    }

    static Path create(Path dir, int replicas, int clients, long requestTimeoutMs) throws Exception {
        return create(dir, replicas, clients, requestTimeoutMs, "sync");
    }

    /** As above, with durability {@code mode} ({@code none}, {@code async} or {@code sync}). */
    static Path create(Path dir, int replicas, int clients, long requestTimeoutMs, String durability) throws Exception {
        return create(dir, replicas, clients, requestTimeoutMs, durability, Mode.BFT);
    }

    /** As above, in fault model {@code mode}. */
    static Path create(Path dir, int replicas, int clients, long requestTimeoutMs, String durability, Mode mode)
            throws Exception {
        return create(dir, replicas, clients, requestTimeoutMs, durability, mode, false);
    }

    /** A BFT directory whose file names an administrator: client {@code 1000 + clients}, after the others. */
    static Path createWithAdmin(Path dir, int replicas, int clients, long requestTimeoutMs) throws Exception {
        return create(dir, replicas, clients, requestTimeoutMs, "sync", Mode.BFT, true);
    }

    private static Path create(Path dir, int replicas, int clients, long requestTimeoutMs, String durability, Mode mode,
                               boolean admin) throws Exception {
        int basePort = freeBasePort(replicas);
        Keygen.Result result = new Keygen(new SecureRandom()).generate(
                new Keygen.Options(replicas, clients, dir, mode, null, "127.0.0.1", basePort, admin), Instant.now());
        Path file = result.clusterFile();
        // Several instances open, so the process-level tests (a leader killed mid-workload)
        // exercise pipelining too.
        String text = Files.readString(file).replace("requestMs: 2000", "requestMs: " + requestTimeoutMs)
                .replace("reconnectMaxMs: 5000", "reconnectMaxMs: 500")
                .replace("pipelineMax: 1", "pipelineMax: 4")
                .replace("bytesMax: 1048576", "bytesMax: 262144") // so the largest SYNC fits in a frame
                .replace("  mode: sync ", "  mode: " + durability + " ");
        if (!text.contains("pipelineMax: 4") || !text.contains("  mode: " + durability + " ")) {
            throw new IllegalStateException("generated cluster file has no batch.pipelineMax or durability.mode: " + file);
        }
        Files.writeString(file, text);
        return file;
    }

    /** A base port p with p..p+n-1, p+100..p+100+n-1 and p+200..p+200+n-1 free right now. */
    static int freeBasePort(int replicas) {
        for (int attempt = 0; attempt < 100; attempt++) {
            // Below Linux's ephemeral range (32768 and up): a restarted replica must not find its
            // port taken by the local end of an outgoing connection.
            int base = ThreadLocalRandom.current().nextInt(20_000, 32_000);
            boolean free = true;
            for (int i = 0; i < replicas && free; i++) {
                free = isFree(base + i) && isFree(base + Keygen.CLIENT_PORT_OFFSET + i)
                        && isFree(base + Keygen.ADMIN_PORT_OFFSET + i);
            }
            if (free) {
                return base;
            }
        }
        throw new IllegalStateException("no free port range found");
    }

    private static boolean isFree(int port) {
        try (ServerSocket socket = new ServerSocket()) {
            socket.bind(new InetSocketAddress("127.0.0.1", port));
            return true;
        } catch (IOException e) {
            return false;
        }
    }
}
