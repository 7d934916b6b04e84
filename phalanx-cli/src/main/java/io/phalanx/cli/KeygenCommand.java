package io.phalanx.cli;

import io.phalanx.runtime.config.ConfigException;
import io.phalanx.runtime.config.Mode;
import io.phalanx.runtime.keys.Certificates;
import io.phalanx.runtime.keys.Keygen;
import io.phalanx.runtime.keys.NodeIdentity;
import io.phalanx.runtime.keys.Pem;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.time.Instant;
import java.util.List;
import java.util.concurrent.Callable;

/**
 * {@code phalanx keygen}: writes a ready-to-run cluster directory — an Ed25519 key and
 * self-signed certificate per replica and client (and, with {@code --admin}, for the
 * administrator, a client named under {@code cluster.admin}), and a {@code cluster.yaml} for
 * 127.0.0.1 — so a local cluster needs no hand-written config.
 */
@Command(name = "keygen", mixinStandardHelpOptions = true,
        description = {"Generate keys, certificates and a cluster file for a local cluster (or, with --pair, one key pair).",
                "Writes DIR/keys/replica-I.{key,crt}, DIR/keys/client-ID.{key,crt} (client ids from 1000; with --admin",
                "one more, the administrator) and DIR/cluster.yaml.",
                "Replica I listens on BASE+I for replicas and BASE+100+I for clients. Existing files are never overwritten."})
public final class KeygenCommand implements Callable<Integer> {

    @Option(names = "--replicas", description = "Number of replicas (ids 0..N-1).")
    Integer replicas;

    @Option(names = "--pair", paramLabel = "NAME", description = {"Instead of a cluster: one key pair, DIR/NAME.key and",
            "DIR/NAME.crt (a replica to add with phalanx view add, or a replica's next key for phalanx view replace:",
            "--pair replica-ID.next --out the replica's keys directory)."})
    String pair;

    @Option(names = "--clients", description = "Number of clients (default: ${DEFAULT-VALUE}).", defaultValue = "1")
    int clients;

    @Option(names = "--out", required = true, description = "Directory to write (created if missing).")
    Path out;

    @Option(names = "--mode", description = "Fault model: bft or cft (default: ${DEFAULT-VALUE}).", defaultValue = "bft")
    String mode;

    @Option(names = "--f", description = "Faults tolerated (default: the most the mode allows for --replicas).")
    Integer f;

    @Option(names = "--base-port", description = "First replica port (default: ${DEFAULT-VALUE}).", defaultValue = "7000")
    int basePort;

    @Option(names = "--host", description = "Address written for every replica (default: ${DEFAULT-VALUE}).", defaultValue = "127.0.0.1")
    String host;

    @Option(names = "--admin", description = {"Also make the administrator: one more client (the id after the others),",
            "written as cluster.admin, whose key changes the view (phalanx view set-f, add, remove, replace)."})
    boolean admin;

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Override
    public Integer call() throws Exception {
        if ((replicas == null) == (pair == null)) {
            throw new CommandLine.ParameterException(spec.commandLine(), "give either --replicas (a cluster) or --pair"
                    + " (one key pair)");
        }
        if (pair != null) {
            return writePair();
        }
        Keygen.Options options = new Keygen.Options(replicas, clients, this.out, parseMode(), f, host, basePort, admin);
        Keygen.Result result;
        try {
            result = new Keygen(new SecureRandom()).generate(options, Instant.now());
        } catch (ConfigException e) {
            throw new CommandLine.ParameterException(spec.commandLine(), e.getMessage());
        }
        PrintWriter printed = spec.commandLine().getOut();
        printed.printf("wrote %d files; cluster file %s (%s, n=%d, f=%d)%n", result.files().size(),
                result.clusterFile(), mode, replicas, options.effectiveF());
        if (admin) {
            long id = options.adminId();
            printed.printf("administrator: client %d (key %s); the cluster file names it under cluster.admin: %d%n", id,
                    this.out.resolve("keys").resolve("client-" + id + ".key"), id);
        }
        printed.flush();
        return 0;
    }

    private int writePair() throws IOException {
        Path key = out.resolve(pair + ".key");
        Path certificate = out.resolve(pair + ".crt");
        for (Path file : List.of(key, certificate)) {
            if (Files.exists(file)) {
                throw new CommandLine.ParameterException(spec.commandLine(), file + " exists; it is never overwritten");
            }
        }
        NodeIdentity identity = new Certificates(new SecureRandom()).generate(pair, Instant.now());
        Files.createDirectories(out);
        Pem.writePrivate(key, identity.privateKey());
        Pem.writePublic(certificate, identity.certificate());
        PrintWriter printed = spec.commandLine().getOut();
        printed.printf("wrote %s and %s%n", key, certificate);
        printed.flush();
        return 0;
    }

    private Mode parseMode() {
        return switch (mode.toLowerCase()) {
            case "bft" -> Mode.BFT;
            case "cft" -> Mode.CFT;
            default -> throw new CommandLine.ParameterException(spec.commandLine(), "--mode must be bft or cft, got '" + mode + "'");
        };
    }
}
