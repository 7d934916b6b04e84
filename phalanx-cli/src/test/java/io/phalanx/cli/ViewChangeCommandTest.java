package io.phalanx.cli;

import io.phalanx.kv.KeyValueService;
import io.phalanx.kv.KvOperation;
import io.phalanx.runtime.Client;
import io.phalanx.runtime.Replica;
import io.phalanx.runtime.keys.Certificates;
import io.phalanx.runtime.keys.NodeIdentity;
import io.phalanx.runtime.keys.Pem;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.net.ServerSocket;
import java.security.SecureRandom;
import java.time.Instant;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * {@code phalanx view set-f}, {@code view add} (and {@code phalanx replica --join}) and {@code view remove} against a `phalanx keygen --admin`
 * cluster of in-process replicas (BFT, n=4, f=1, or n=5; the administrator is client 1001).
 */
class ViewChangeCommandTest {
    private static final String ADMIN = "1001";
    private final List<Replica> replicas = new ArrayList<>();

    private record Run(int exit, String out) {
    }

    private static Run run(Path config, String... args) {
        StringWriter out = new StringWriter();
        CommandLine command = PhalanxCommand.commandLine();
        command.setOut(new PrintWriter(out));
        command.setErr(new PrintWriter(out));
        List<String> line = new ArrayList<>(List.of("view"));
        line.addAll(List.of(args));
        line.addAll(List.of("--config", config.toString(), "--timeout-ms", "1000"));
        if (!args[0].equals("show")) {
            line.addAll(List.of("--timeout", "20"));
        }
        return new Run(command.execute(line.toArray(String[]::new)), out.toString());
    }

    /** The whole command line {@code args}, as {@code phalanx ARGS}. */
    private static Run phalanx(String... args) {
        StringWriter out = new StringWriter();
        CommandLine command = PhalanxCommand.commandLine();
        command.setOut(new PrintWriter(out));
        command.setErr(new PrintWriter(out));
        return new Run(command.execute(args), out.toString());
    }

    /** One client incrementing a counter, call after call, counting the calls acknowledged. */
    private static final class Increments implements AutoCloseable {
        private final AtomicBoolean loading = new AtomicBoolean(true);
        private final AtomicLong acknowledged = new AtomicLong();
        private final CompletableFuture<Void> load;

        Increments(Client client) {
            load = CompletableFuture.runAsync(() -> {
                while (loading.get()) {
                    client.invoke(new KvOperation.Incr("calls", 1).encode());
                    acknowledged.incrementAndGet();
                }
            });
        }

        /** Waits (at most 20 s) for {@code count} more acknowledged calls, and checks they came. */
        void awaitMore(int count, String what) throws InterruptedException {
            long before = acknowledged.get();
            long deadline = System.nanoTime() + Duration.ofSeconds(20).toNanos();
            while (acknowledged.get() < before + count && System.nanoTime() < deadline) {
                Thread.sleep(10);
            }
            assertThat(acknowledged.get()).as(what).isGreaterThanOrEqualTo(before + count);
        }

        /** Stops after the call in progress, which must complete. */
        void stop() throws Exception {
            loading.set(false);
            load.get(20, TimeUnit.SECONDS);
        }

        @Override
        public void close() {
            loading.set(false);
        }
    }

    private Path cluster(Path dir, int... started) throws Exception {
        Path config = LocalClusterDirectory.createWithAdmin(dir, 4, 1, 700);
        for (int id : started) {
            replicas.add(Replica.builder().config(config).id(id).service(new KeyValueService()).start());
        }
        awaitVoting(); // before any client: a replica that came up after the others voted would recover first
        return config;
    }

    /** Waits until every started replica has caught up with its peers and votes. */
    private void awaitVoting() throws InterruptedException {
        long deadline = System.nanoTime() + Duration.ofSeconds(10).toNanos();
        while (replicas.stream().anyMatch(replica -> replica.status().recovering()) && System.nanoTime() < deadline) {
            Thread.sleep(10);
        }
    }

    @AfterEach
    void stopReplicas() {
        replicas.forEach(Replica::close);
    }

    @Test
    void removingAReplicaOfFourIsRefusedBeforeSending(@TempDir Path dir) throws Exception {
        Path config = cluster(dir, 0, 1, 2, 3);
        Run refused = run(config, "remove", "3", "--id", ADMIN);
        assertThat(refused.exit()).as(refused.out()).isEqualTo(1);
        assertThat(refused.out()).contains("view 0: BFT, n=4, f=1; a quorum is 3 replicas")
                .contains("phalanx view remove: refused before sending: BFT mode with f=1 needs n >= 4 (3f+1), but the"
                        + " view has n=3");
        assertThat(replicas).allSatisfy(replica -> assertThat(replica.lastDecided()).as("nothing was ordered")
                .isEqualTo(-1));
    }

    @Test
    void aChangeWhoseQuorumTheRunningReplicasCannotFormIsRefusedBeforeSending(@TempDir Path dir) throws Exception {
        Path config = cluster(dir, 0, 1);
        Run refused = run(config, "set-f", "0", "--id", ADMIN);
        assertThat(refused.exit()).as(refused.out()).isEqualTo(1);
        assertThat(refused.out()).contains("phalanx view set-f: refused before sending: view 1 needs a quorum of 3 of"
                        + " [0, 1, 2, 3], but only")
                .containsPattern("missing \\[[0-9, ]*2, 3\\]")
                .contains("replica 2: down (connection refused)").contains("replica 3: down (connection refused)");
    }

    @Test
    void setFIsInstalledAndAnIdleClusterLetsTheNextChangeFollow(@TempDir Path dir) throws Exception {
        Path config = cluster(dir, 0, 1, 2, 3);
        awaitVoting();
        Run made = run(config, "set-f", "0", "--id", ADMIN);
        assertThat(made.exit()).as(made.out()).isZero();
        assertThat(made.out()).contains("view 0: BFT, n=4, f=1")
                .containsPattern("view 1 installed; it governs from consensus id \\d+ on")
                .contains("view 1: BFT, n=4, f=0; a quorum is 3 replicas, 1 vouch for a claim");
        for (Replica replica : replicas) { // each learns view 1 as it decides the change
            long deadline = System.nanoTime() + Duration.ofSeconds(10).toNanos();
            while (replica.latestView().id() != 1 && System.nanoTime() < deadline) {
                Thread.sleep(10);
            }
            assertThat(replica.latestView().f()).isZero();
        }
        Run show = run(config, "show");
        assertThat(show.out()).contains("The replicas know a newer view than the file's")
                .contains("view 1: BFT, n=4, f=0");

        // At once: the run before returned only once its session's second had passed, so this
        // run is in a newer session and the replicas do not answer it from their cache.
        // Idle, the leader fills the instances before view 1 governs with empty batches, so view 1
        // governs at once and a second change is taken: view 2 removes replica 3.
        Run second = run(config, "remove", "3", "--id", ADMIN);
        assertThat(second.exit()).as(second.out()).isZero();
        assertThat(second.out()).contains("view 1: BFT, n=4, f=0")
                .containsPattern("view 2 installed; it governs from consensus id \\d+ on")
                .contains("view 2: BFT, n=3, f=0");
    }

    @Test
    void aReplicaRemovedUnderLoadStopsAndItsCommandExitsWithStatusZero(@TempDir Path dir) throws Exception {
        Path config = LocalClusterDirectory.createWithAdmin(dir, 5, 1, 700);
        for (int id = 0; id < 4; id++) {
            replicas.add(Replica.builder().config(config).id(id).service(new KeyValueService()).start());
        }
        CommandLine replicaCommand = PhalanxCommand.commandLine();
        replicaCommand.setOut(new PrintWriter(new StringWriter()));
        replicaCommand.setErr(new PrintWriter(new StringWriter()));
        CompletableFuture<Integer> replica4 = CompletableFuture.supplyAsync(() -> replicaCommand.execute("replica",
                "--id", "4", "--config", config.toString(), "--status-interval-ms", "0"));
        // The new view governs once instanceWindowMax more instances are decided: calls decide them.
        try (Client client = Client.builder().config(config).id(1000).build();
             Increments load = new Increments(client)) {
            awaitVoting();
            Run removed = run(config, "remove", "4", "--id", ADMIN);
            assertThat(removed.exit()).as(removed.out()).isZero();
            assertThat(removed.out()).contains("view 1: BFT, n=4, f=1");
            assertThat(replica4.get(20, TimeUnit.SECONDS)).as("exit status of phalanx replica --id 4").isZero();
            load.stop();
            assertThat(client.stats().viewId()).isEqualTo(1);
        }
    }

    @Test
    void viewAddWritesAJoinTicketWithWhichANewReplicaProcessJoinsAndVotes(@TempDir Path dir) throws Exception {
        Path config = cluster(dir, 0, 1, 2, 3);
        NodeIdentity identity = new Certificates(new SecureRandom()).generate("replica-4", Instant.now());
        // The new replica's machine holds its key and, later, its ticket: no cluster file.
        Path newHost = java.nio.file.Files.createDirectories(dir.resolve("new-host"));
        Path key = newHost.resolve("replica-4.key");
        Path certificate = dir.resolve("keys/replica-4.crt");
        Pem.writePrivate(key, identity.privateKey());
        Pem.writePublic(certificate, identity.certificate());
        int port;
        int clientPort;
        int adminPort;
        try (ServerSocket a = new ServerSocket(0); ServerSocket b = new ServerSocket(0); ServerSocket c = new ServerSocket(0)) {
            port = a.getLocalPort();
            clientPort = b.getLocalPort();
            adminPort = c.getLocalPort();
        }
        CompletableFuture<Integer> replica4 = null;
        try (Client client = Client.builder().config(config).id(1000).build();
             Increments load = new Increments(client)) {
            awaitVoting();
            Run added = run(config, "add", "4", "--host", "127.0.0.1", "--port", Integer.toString(port),
                    "--client-port", Integer.toString(clientPort), "--cert", certificate.toString(),
                    "--admin", "127.0.0.1:" + adminPort, "--id", ADMIN);
            assertThat(added.exit()).as(added.out()).isZero();
            assertThat(added.out()).contains("view 1: BFT, n=5, f=1")
                    .contains("join ticket written to " + dir.resolve("join-4.ticket"));

            CommandLine replicaCommand = PhalanxCommand.commandLine();
            replicaCommand.setOut(new PrintWriter(new StringWriter()));
            replicaCommand.setErr(new PrintWriter(new StringWriter()));
            Path ticket = java.nio.file.Files.copy(dir.resolve("join-4.ticket"), newHost.resolve("join-4.ticket"));
            replica4 = CompletableFuture.supplyAsync(() -> replicaCommand.execute("replica", "--id", "4", "--join",
                    ticket.toString(), "--key", key.toString(), "--data", newHost.resolve("data").toString(),
                    "--status-interval-ms", "0"));
            long deadline = System.nanoTime() + Duration.ofSeconds(20).toNanos();
            while (client.stats().viewId() != 1 && System.nanoTime() < deadline) {
                Thread.sleep(10);
            }
            assertThat(client.stats().viewId()).isEqualTo(1);

            // With replica 3 down, a quorum of view 1 (4 of 5) needs the new replica's votes.
            replicas.get(3).close();
            load.awaitMore(20, "increments acknowledged with replica 3 down");
            assertThat(newHost.resolve("data").resolve(Replica.Builder.JOIN_TICKET_FILE)).exists();
            assertThat(newHost.resolve("data/cluster/cluster.yaml")).exists(); // the one the ticket carries
            // The view names its admin address, so `phalanx view` finds it though the file does not list it.
            Run show = run(config, "show");
            assertThat(show.out()).containsPattern("(?m)^4 +view 1, regency \\d+ \\(leader r\\d\\)");

            Run removed = run(config, "remove", "4", "--id", ADMIN);
            assertThat(removed.exit()).as(removed.out()).isZero();
            assertThat(replica4.get(20, TimeUnit.SECONDS)).as("exit status of phalanx replica --id 4 --join").isZero();
            load.stop();
        } finally {
            if (replica4 != null && !replica4.isDone()) {
                replica4.cancel(true);
            }
        }
    }

    @Test
    void viewReplaceRotatesAKeyTheReplicaFindsBesideItsOwnWhileAnotherReplicaIsDown(@TempDir Path dir) throws Exception {
        Path config = cluster(dir, 0, 1, 2, 3);
        Run keygen = phalanx("keygen", "--pair", "replica-2.next", "--out", dir.resolve("keys").toString());
        assertThat(keygen.exit()).as(keygen.out()).isZero();
        try (Client client = Client.builder().config(config).id(1000).build();
             Increments load = new Increments(client)) {
            awaitVoting();
            replicas.get(3).close();
            Run replaced = run(config, "replace", "2", "--cert", dir.resolve("keys/replica-2.next.crt").toString(),
                    "--id", ADMIN);
            assertThat(replaced.exit()).as(replaced.out()).isZero();
            assertThat(replaced.out()).containsPattern("view 1 installed; it governs from consensus id \\d+ on")
                    .contains("view 1: BFT, n=4, f=1");
            // With replica 3 down, every quorum of view 1 needs replica 2's votes under its new key.
            long deadline = System.nanoTime() + Duration.ofSeconds(20).toNanos();
            while (replicas.get(2).view().id() != 1 && System.nanoTime() < deadline) {
                Thread.sleep(10);
            }
            assertThat(replicas.get(2).view().id()).isEqualTo(1);
            load.awaitMore(20, "increments acknowledged in view 1 with replica 3 down");
            assertThat(replicas.get(2).failure()).isEmpty();
            load.stop();
        }
        Run again = phalanx("keygen", "--pair", "replica-2.next", "--out", dir.resolve("keys").toString());
        assertThat(again.exit()).isEqualTo(2);
        assertThat(again.out()).contains("replica-2.next.key exists; it is never overwritten");
    }

    @Test
    void aMoveNeedsTheHostAndBothPorts(@TempDir Path dir) throws Exception {
        Path config = LocalClusterDirectory.createWithAdmin(dir, 4, 1, 700);
        Run partial = run(config, "replace", "2", "--cert", dir.resolve("keys/replica-2.crt").toString(),
                "--host", "10.0.0.9", "--id", ADMIN);
        assertThat(partial.exit()).isEqualTo(2);
        assertThat(partial.out()).contains("a move needs --host, --port and --client-port together");
    }

    @Test
    void aReplicaNotInTheFileWithoutATicketIsToldHowToJoin(@TempDir Path dir) throws Exception {
        Path config = LocalClusterDirectory.createWithAdmin(dir, 4, 1, 700);
        StringWriter out = new StringWriter();
        CommandLine command = PhalanxCommand.commandLine();
        command.setOut(new PrintWriter(out));
        command.setErr(new PrintWriter(out));
        int exit = command.execute("replica", "--id", "4", "--config", config.toString());
        assertThat(exit).isEqualTo(2);
        assertThat(out.toString()).contains("no replica with id 4 in the cluster config")
                .contains("--join FILE");
    }

    @Test
    void onlyTheFilesAdministratorMayChangeTheView(@TempDir Path dir) throws Exception {
        Path config = LocalClusterDirectory.createWithAdmin(dir, 4, 1, 700);
        Run notAdmin = run(config, "set-f", "0", "--id", "1000");
        assertThat(notAdmin.exit()).isEqualTo(2);
        assertThat(notAdmin.out()).contains("--id: client 1000 is not the administrator; cluster.admin is 1001");

        Path none = dir.resolve("no-admin.yaml");
        Files.writeString(none, Files.readString(config).replaceAll("(?m)^  admin: 1001.*\\n", ""));
        Run noAdmin = run(none, "remove", "3", "--id", ADMIN);
        assertThat(noAdmin.exit()).isEqualTo(2);
        assertThat(noAdmin.out()).contains("the cluster file names no administrator: set cluster.admin");
    }
}
