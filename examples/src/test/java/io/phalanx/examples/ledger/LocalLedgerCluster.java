package io.phalanx.examples.ledger;

import io.phalanx.runtime.Client;
import io.phalanx.runtime.Replica;
import io.phalanx.runtime.config.Mode;
import io.phalanx.runtime.keys.Keygen;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ThreadLocalRandom;

/**
 * Four replicas of the {@link Ledger} in this JVM, talking TLS 1.3 over 127.0.0.1, set up the
 * way an operator would: {@link Keygen} (what {@code phalanx keygen} runs) writes a key per
 * node and a cluster file, and each replica and client is built from that file.
 */
final class LocalLedgerCluster implements AutoCloseable {
    static final int REPLICAS = 4;

    final Path clusterFile;
    final Replica[] replicas = new Replica[REPLICAS];
    private final List<Client> clients = new ArrayList<>();

    private LocalLedgerCluster(Path clusterFile) {
        this.clusterFile = clusterFile;
    }

    /** Generates keys and a cluster file for {@code clientCount} clients (ids 1000, 1001, ...) under {@code dir}. */
    static LocalLedgerCluster start(Path dir, int clientCount) throws Exception {
        Keygen.Options options = new Keygen.Options(REPLICAS, clientCount, dir, Mode.BFT, null, "127.0.0.1",
                freeBasePort());
        LocalLedgerCluster cluster = new LocalLedgerCluster(new Keygen(new SecureRandom())
                .generate(options, Instant.now()).clusterFile());
        try {
            for (int id = 0; id < REPLICAS; id++) {
                // Keys are found next to the cluster file (keys/replica-ID.key), data under data/replica-ID.
                cluster.replicas[id] = Replica.builder().config(cluster.clusterFile).id(id).service(new Ledger()).start();
            }
        } catch (Exception | Error e) {
            cluster.close();
            throw e;
        }
        return cluster;
    }

    Client client(long id) throws Exception {
        Client client = Client.builder().config(clusterFile).id(id).build();
        clients.add(client);
        return client;
    }

    @Override
    public void close() {
        clients.forEach(Client::close);
        for (Replica replica : replicas) {
            if (replica != null) {
                replica.close();
            }
        }
    }

    /**
     * A base port p with p+i, p+100+i and p+200+i free for every replica i (mesh, client and
     * admin ports as keygen lays them out), below Linux's ephemeral range so that no outgoing
     * connection takes one meanwhile.
     */
    private static int freeBasePort() {
        for (int attempt = 0; attempt < 100; attempt++) {
            int base = ThreadLocalRandom.current().nextInt(20_000, 31_500);
            boolean free = true;
            for (int i = 0; i < REPLICAS && free; i++) {
                free = isFree(base + i) && isFree(base + 100 + i) && isFree(base + 200 + i);
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
        } catch (IOException busy) {
            return false;
        }
    }
}
