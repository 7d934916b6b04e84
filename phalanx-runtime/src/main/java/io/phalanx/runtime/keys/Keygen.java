package io.phalanx.runtime.keys;

import io.phalanx.runtime.config.BatchLimits;
import io.phalanx.runtime.config.ClusterConfig;
import io.phalanx.runtime.config.ClusterConfigLoader;
import io.phalanx.runtime.config.ClusterSection;
import io.phalanx.runtime.config.ConfigException;
import io.phalanx.runtime.config.Durability;
import io.phalanx.runtime.config.Limits;
import io.phalanx.runtime.config.Mode;
import io.phalanx.runtime.config.Timeouts;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;

/**
 * Makes a ready-to-run cluster directory: one Ed25519 key and self-signed certificate per
 * replica and per client (the administrator, if asked for, is one more client) under
 * {@code keys/}, and a {@code cluster.yaml} that lists them with local addresses. Backs {@code phalanx keygen}. There is no trust bundle: the cluster file
 * pins each node's certificate, which is all the transport trusts.
 *
 * <p>Existing files are never overwritten — regenerating a key by accident would silently
 * change a replica's identity.
 */
public final class Keygen {
    /** Replica ports are basePort+i and client ports basePort+CLIENT_PORT_OFFSET+i. */
    public static final int CLIENT_PORT_OFFSET = 100;
    /** Admin ports (metrics, status; on loopback) are basePort+ADMIN_PORT_OFFSET+i. */
    public static final int ADMIN_PORT_OFFSET = 200;
    /** Keeps mesh and client port ranges from overlapping. */
    public static final int REPLICAS_MAX = CLIENT_PORT_OFFSET;
    /** Most clients one run generates keys for. */
    public static final int CLIENTS_MAX = 10_000;
    /** Client ids start here so that they never look like replica ids in logs. */
    public static final long CLIENT_ID_FIRST = 1000;

    /**
     * What to generate.
     *
     * @param replicas  number of replicas (ids 0..replicas-1)
     * @param clients   number of clients (ids 1000, 1001, ...)
     * @param out       directory to write into (created if missing)
     * @param mode      fault model written to the file
     * @param f         faults tolerated; null means the most the mode allows for this many replicas
     * @param host      address written for every replica
     * @param basePort  first replica port
     * @param admin     whether to make one more client, the next id after the others, and name it
     *                  the administrator ({@code cluster.admin}), who may change the view; in BFT
     *                  mode the file then requires client signatures
     */
    public record Options(int replicas, int clients, Path out, Mode mode, Integer f, String host, int basePort,
                          boolean admin) {
        /**
         * What to generate, without an administrator.
         *
         * @param replicas number of replicas (ids 0..replicas-1)
         * @param clients  number of clients (ids 1000, 1001, ...)
         * @param out      directory to write into (created if missing)
         * @param mode     fault model written to the file
         * @param f        faults tolerated; null means the most the mode allows for this many replicas
         * @param host     address written for every replica
         * @param basePort first replica port
         */
        public Options(int replicas, int clients, Path out, Mode mode, Integer f, String host, int basePort) {
            this(replicas, clients, out, mode, f, host, basePort, false);
        }

        /**
         * The administrator's client id.
         *
         * @return the id after the other clients', or {@link ClusterSection#NO_ADMIN} without {@code admin}
         */
        public long adminId() {
            return admin ? CLIENT_ID_FIRST + clients : ClusterSection.NO_ADMIN;
        }

        /**
         * The f written to the file.
         *
         * @return {@code f} if given, else the most the mode allows for {@code replicas}
         */
        public int effectiveF() {
            if (f != null) {
                return f;
            }
            return mode == Mode.BFT ? (replicas - 1) / 3 : (replicas - 1) / 2;
        }
    }

    /**
     * What was written: the cluster file and every file generated.
     *
     * @param clusterFile the generated {@code cluster.yaml}
     * @param files       every file written, keys and certificates first, the cluster file last
     */
    public record Result(Path clusterFile, List<Path> files) {
    }

    private final Certificates certificates;

    /**
     * A generator of cluster directories.
     *
     * @param random the source of keys and certificate serial numbers
     */
    public Keygen(SecureRandom random) {
        this.certificates = new Certificates(random);
    }

    /**
     * Writes a key and a certificate per node and the cluster file, then loads the file back to
     * prove the loader accepts it.
     *
     * @param options what to generate
     * @param now     the current time, the start of the certificates' validity
     * @return the files written
     * @throws IOException if a file exists already or cannot be written
     * @throws ConfigException if an option is out of range (named by its command-line flag) or
     *                         the written file does not load
     */
    public Result generate(Options options, Instant now) throws IOException, ConfigException {
        check(options);
        Path keys = options.out().resolve("keys");
        Path clusterFile = options.out().resolve("cluster.yaml");
        refuseToOverwrite(clusterFile);
        Files.createDirectories(keys);
        List<Path> files = new ArrayList<>();
        for (int i = 0; i < options.replicas(); i++) {
            files.addAll(writeNode(keys, "replica-" + i, now));
        }
        for (long client : clientIds(options)) {
            files.addAll(writeNode(keys, "client-" + client, now));
        }
        Files.writeString(clusterFile, clusterYaml(options), StandardCharsets.UTF_8);
        files.add(clusterFile);
        ClusterConfigLoader.load(clusterFile); // what we wrote must be what the loader accepts
        return new Result(clusterFile, List.copyOf(files));
    }

    /** Every client's id, the administrator's last. */
    private static List<Long> clientIds(Options options) {
        List<Long> ids = new ArrayList<>();
        for (int j = 0; j < options.clients() + (options.admin() ? 1 : 0); j++) {
            ids.add(CLIENT_ID_FIRST + j);
        }
        return ids;
    }

    private static void check(Options options) throws ConfigException {
        if (options.replicas() < 1 || options.replicas() > REPLICAS_MAX) {
            throw new ConfigException("--replicas", "must be in 1.." + REPLICAS_MAX + ", got " + options.replicas());
        }
        if (options.clients() < 0 || options.clients() > CLIENTS_MAX) {
            throw new ConfigException("--clients", "must be in 0.." + CLIENTS_MAX + ", got " + options.clients());
        }
        int lastPort = options.basePort() + ADMIN_PORT_OFFSET + options.replicas() - 1;
        if (options.basePort() < 1 || lastPort > ClusterConfig.PORT_MAX) {
            throw new ConfigException("--base-port", "ports " + options.basePort() + ".." + lastPort + " must be in 1.."
                    + ClusterConfig.PORT_MAX);
        }
        int f = options.effectiveF();
        int needed = options.mode().replicasMin(f);
        if (f < 0 || options.replicas() < needed) {
            throw new ConfigException("--f", "f=" + f + " in " + options.mode().name().toLowerCase() + " mode needs at least "
                    + needed + " replicas, got " + options.replicas());
        }
    }

    private List<Path> writeNode(Path keys, String name, Instant now) throws IOException {
        Path keyFile = keys.resolve(name + ".key");
        Path certificateFile = keys.resolve(name + ".crt");
        refuseToOverwrite(keyFile);
        refuseToOverwrite(certificateFile);
        NodeIdentity identity = certificates.generate(name, now);
        Pem.writePrivate(keyFile, identity.privateKey());
        Pem.writePublic(certificateFile, identity.certificate());
        return List.of(keyFile, certificateFile);
    }

    private static void refuseToOverwrite(Path file) throws IOException {
        if (Files.exists(file)) {
            throw new IOException(file + " already exists; keygen never overwrites keys (choose another --out)");
        }
    }

    private static String clusterYaml(Options options) {
        StringBuilder yaml = new StringBuilder();
        yaml.append("# Phalanx cluster file generated by `phalanx keygen`; every key is described in docs/CONFIG.md.\n");
        yaml.append("# Each replica starts with its own private key, e.g. keys/replica-0.key (never listed here).\n");
        yaml.append("cluster:\n  viewId: 0\n  mode: ").append(options.mode().name().toLowerCase())
                .append("\n  f: ").append(options.effectiveF()).append('\n')
                .append("  clientSignatures: ").append(signed(options))
                .append("   # true: replicas accept only requests signed by their client\n");
        if (options.admin()) {
            yaml.append("  admin: ").append(options.adminId())
                    .append("   # the administrator: the client whose ordered requests change the view\n");
        }
        yaml.append("replicas:\n");
        for (int i = 0; i < options.replicas(); i++) {
            yaml.append("  - id: ").append(i).append('\n')
                    .append("    host: ").append(options.host()).append('\n')
                    .append("    port: ").append(options.basePort() + i).append('\n')
                    .append("    clientPort: ").append(options.basePort() + CLIENT_PORT_OFFSET + i).append('\n')
                    .append("    certificate: keys/replica-").append(i).append(".crt\n")
                    .append("    admin: { port: ").append(options.basePort() + ADMIN_PORT_OFFSET + i)
                    .append(" }   # /metrics and /status over HTTP, on 127.0.0.1 unless admin.host says otherwise\n");
        }
        List<Long> clients = clientIds(options);
        yaml.append(clients.isEmpty() ? "clients: []\n" : "clients:\n");
        for (long id : clients) {
            yaml.append("  - id: ").append(id).append('\n')
                    .append("    certificate: keys/client-").append(id).append(".crt\n");
        }
        appendDefaults(yaml);
        return yaml.toString();
    }

    /** Client signatures are off but where an administrator needs them: in BFT (see {@code ClusterConfig}). */
    private static boolean signed(Options options) {
        return options.admin() && options.mode() == Mode.BFT;
    }

    private static void appendDefaults(StringBuilder yaml) {
        Timeouts t = Timeouts.defaults();
        BatchLimits b = BatchLimits.defaults();
        Limits l = Limits.defaults();
        yaml.append("timeouts:\n")
                .append("  requestMs: ").append(t.requestMs()).append('\n')
                .append("  connectMs: ").append(t.connectMs()).append('\n')
                .append("  handshakeMs: ").append(t.handshakeMs()).append('\n')
                .append("  reconnectInitialMs: ").append(t.reconnectInitialMs()).append('\n')
                .append("  reconnectMaxMs: ").append(t.reconnectMaxMs()).append('\n')
                .append("  frameIncompleteMs: ").append(t.frameIncompleteMs()).append('\n');
        yaml.append("batch:\n")
                .append("  requestsMax: ").append(b.requestsMax()).append('\n')
                .append("  bytesMax: ").append(b.bytesMax()).append('\n')
                .append("  pipelineMax: ").append(b.pipelineMax()).append('\n');
        yaml.append("limits:\n")
                .append("  frameBytesMax: ").append(l.frameBytesMax()).append('\n')
                .append("  outboundQueueFramesMax: ").append(l.outboundQueueFramesMax()).append('\n')
                .append("  outboundQueueBytesMax: ").append(l.outboundQueueBytesMax()).append('\n');
        Durability d = Durability.defaults();
        yaml.append("durability:\n")
                .append("  mode: ").append(d.mode().name().toLowerCase(java.util.Locale.ROOT))
                .append("   # none | async | sync: what a replica keeps on disk (docs/CONFIG.md)\n")
                .append("  syncIntervalMs: ").append(d.syncIntervalMs()).append('\n')
                .append("  segmentBytesMax: ").append(d.segmentBytesMax()).append('\n')
                .append("  checkpointsRetain: ").append(d.checkpointsRetain()).append('\n');
    }
}
