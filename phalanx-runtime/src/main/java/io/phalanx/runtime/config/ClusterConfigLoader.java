package io.phalanx.runtime.config;

import com.fasterxml.jackson.core.JacksonException;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonStreamContext;
import com.fasterxml.jackson.core.exc.StreamReadException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.dataformat.yaml.YAMLMapper;
import io.phalanx.runtime.keys.Certificates;
import io.phalanx.runtime.keys.Pem;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.cert.CertificateException;
import java.security.cert.X509Certificate;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;

/**
 * Loads a YAML cluster file into a validated {@link ClusterConfig}. The schema is documented
 * key by key in {@code docs/CONFIG.md}. Certificate paths are resolved relative to the
 * directory of the cluster file, so a generated directory can be moved as a whole.
 *
 * <p>Jackson only parses YAML into a tree here; the mapping to records is explicit so that
 * every error carries the key path ({@code replicas[2].port: ...}) and so that defaults
 * live in one visible place (the records' {@code defaults()}).
 */
public final class ClusterConfigLoader {
    private static final Set<String> TOP_KEYS = Set.of("cluster", "replicas", "clients", "timeouts", "batch", "limits",
            "durability");
    private static final Set<String> CLUSTER_KEYS = Set.of("viewId", "mode", "f", "clientSignatures", "admin");
    private static final Set<String> REPLICA_KEYS = Set.of("id", "host", "port", "clientPort", "certificate", "admin");
    private static final Set<String> ADMIN_KEYS = Set.of("host", "port");
    private static final Set<String> CLIENT_KEYS = Set.of("id", "certificate");
    private static final Set<String> TIMEOUT_KEYS = Set.of("requestMs", "connectMs", "handshakeMs",
            "reconnectInitialMs", "reconnectMaxMs", "frameIncompleteMs");
    private static final Set<String> BATCH_KEYS = Set.of("requestsMax", "bytesMax", "pipelineMax");
    /** Largest {@code batch.pipelineMax}: the core's window of instances it buffers votes for. */
    static final int PIPELINE_MAX_LIMIT = io.phalanx.core.replica.ReplicaConfig.INSTANCE_WINDOW_DEFAULT;
    private static final Set<String> DURABILITY_KEYS = Set.of("mode", "syncIntervalMs", "segmentBytesMax",
            "checkpointsRetain");
    private static final Set<String> LIMIT_KEYS = Set.of("frameBytesMax", "outboundQueueFramesMax", "outboundQueueBytesMax",
            "decisionLogMax", "clientsMax");

    private final Path baseDirectory;

    private ClusterConfigLoader(Path baseDirectory) {
        this.baseDirectory = baseDirectory;
    }

    /**
     * Loads and validates the cluster file at {@code file}.
     *
     * @param file the YAML cluster file; relative certificate paths resolve against its directory
     * @return the validated config
     * @throws ConfigException if the file cannot be read or parsed, or a value is bad; the message names the key
     */
    public static ClusterConfig load(Path file) throws ConfigException {
        String text;
        try {
            text = Files.readString(file);
        } catch (IOException e) {
            throw new ConfigException("(file)", "cannot read cluster file " + file + ": " + Pem.reason(e), e);
        }
        Path base = file.toAbsolutePath().getParent();
        return new ClusterConfigLoader(base).parse(text);
    }

    /**
     * Parses cluster-file text; relative certificate paths resolve against {@code baseDirectory}.
     *
     * @param yaml          the cluster file's text
     * @param baseDirectory the directory relative certificate paths resolve against
     * @return the validated config
     * @throws ConfigException if the text cannot be parsed or a value is bad; the message names the key
     */
    public static ClusterConfig parse(String yaml, Path baseDirectory) throws ConfigException {
        return new ClusterConfigLoader(baseDirectory).parse(yaml);
    }

    private ClusterConfig parse(String yaml) throws ConfigException {
        JsonNode tree;
        try {
            YAMLMapper mapper = YAMLMapper.builder().enable(JsonParser.Feature.STRICT_DUPLICATE_DETECTION).build();
            tree = mapper.readTree(yaml);
        } catch (StreamReadException e) {
            JsonParser parser = e.getProcessor();
            if (parser != null && e.getOriginalMessage().startsWith("Duplicate field")) {
                throw new ConfigException(keyPath(parser.getParsingContext()), "the same key twice in one mapping");
            }
            throw new ConfigException("(file)", "not valid YAML: " + e.getOriginalMessage());
        } catch (JacksonException e) {
            throw new ConfigException("(file)", "not valid YAML: " + e.getOriginalMessage());
        }
        if (tree == null || tree.isMissingNode() || tree.isNull()) {
            throw new ConfigException("(file)", "empty cluster file");
        }
        YamlNode root = new YamlNode(tree, "").onlyKeys(TOP_KEYS);
        ClusterConfig config = new ClusterConfig(cluster(root.required("cluster")), replicas(root), clients(root),
                timeouts(root.optionalSection("timeouts")), batch(root.optionalSection("batch")),
                limits(root.optionalSection("limits")), durability(root.optionalSection("durability")));
        return config.validate();
    }

    private static ClusterSection cluster(YamlNode node) throws ConfigException {
        node.onlyKeys(CLUSTER_KEYS);
        long viewId = node.requiredLong("viewId", 0, Long.MAX_VALUE);
        String modeText = node.requiredString("mode");
        Mode mode = switch (modeText) {
            case "bft" -> Mode.BFT;
            case "cft" -> Mode.CFT;
            default -> throw new ConfigException(node.path() + ".mode", "must be bft or cft, got '" + modeText + "'");
        };
        int f = node.requiredInt("f", 0, Integer.MAX_VALUE);
        return new ClusterSection(viewId, mode, f, node.optionalBoolean("clientSignatures", false),
                node.optionalLong("admin", ClusterSection.NO_ADMIN, 0, Long.MAX_VALUE));
    }

    private List<ReplicaEntry> replicas(YamlNode root) throws ConfigException {
        List<ReplicaEntry> out = new ArrayList<>();
        for (YamlNode node : root.list("replicas", true)) {
            node.onlyKeys(REPLICA_KEYS);
            out.add(new ReplicaEntry(node.requiredInt("id", 0, Integer.MAX_VALUE), node.requiredString("host"),
                    node.requiredInt("port", 1, ClusterConfig.PORT_MAX),
                    node.requiredInt("clientPort", 1, ClusterConfig.PORT_MAX), certificate(node),
                    node.has("admin") ? admin(node.required("admin")) : null));
        }
        return out;
    }

    private static AdminEndpoint admin(YamlNode node) throws ConfigException {
        node.onlyKeys(ADMIN_KEYS);
        return new AdminEndpoint(node.optionalString("host", AdminEndpoint.HOST_DEFAULT),
                node.requiredInt("port", 1, ClusterConfig.PORT_MAX));
    }

    private List<ClientEntry> clients(YamlNode root) throws ConfigException {
        List<ClientEntry> out = new ArrayList<>();
        for (YamlNode node : root.list("clients", false)) {
            node.onlyKeys(CLIENT_KEYS);
            out.add(new ClientEntry(node.requiredLong("id", 0, Long.MAX_VALUE), certificate(node)));
        }
        return out;
    }

    private X509Certificate certificate(YamlNode node) throws ConfigException {
        String key = node.path() + ".certificate";
        Path path = resolve(node.requiredString("certificate"));
        try {
            X509Certificate certificate = Pem.readCertificate(path);
            Certificates.checkSelfSigned(certificate);
            return certificate;
        } catch (IOException e) {
            throw new ConfigException(key, e.getMessage()); // names the file and the reason
        } catch (CertificateException e) {
            throw new ConfigException(key, "certificate file " + path + ": " + e.getMessage());
        }
    }

    /** The key path ({@code replicas[2].port}) of where {@code context} stands in the file. */
    private static String keyPath(JsonStreamContext context) {
        StringBuilder path = new StringBuilder();
        for (JsonStreamContext c = context; c != null && !c.inRoot(); c = c.getParent()) {
            if (c.inArray()) {
                path.insert(0, "[" + Math.max(0, c.getCurrentIndex()) + "]");
            } else if (c.getCurrentName() != null) {
                path.insert(0, "." + c.getCurrentName());
            }
        }
        if (path.length() == 0) {
            return "(file)";
        }
        return path.charAt(0) == '.' ? path.substring(1) : path.toString();
    }

    /** A path from the file, relative to the file's directory unless absolute. */
    private Path resolve(String path) {
        Path given = Path.of(path);
        return given.isAbsolute() ? given : baseDirectory.resolve(given).normalize();
    }

    private static Timeouts timeouts(YamlNode node) throws ConfigException {
        node.onlyKeys(TIMEOUT_KEYS);
        Timeouts d = Timeouts.defaults();
        return new Timeouts(
                node.optionalLong("requestMs", d.requestMs(), 1, Long.MAX_VALUE),
                node.optionalLong("connectMs", d.connectMs(), 1, Integer.MAX_VALUE),
                node.optionalLong("handshakeMs", d.handshakeMs(), 1, Long.MAX_VALUE),
                node.optionalLong("reconnectInitialMs", d.reconnectInitialMs(), 1, Long.MAX_VALUE),
                node.optionalLong("reconnectMaxMs", d.reconnectMaxMs(), 1, Long.MAX_VALUE),
                node.optionalLong("frameIncompleteMs", d.frameIncompleteMs(), 1, Long.MAX_VALUE));
    }

    private static BatchLimits batch(YamlNode node) throws ConfigException {
        node.onlyKeys(BATCH_KEYS);
        BatchLimits d = BatchLimits.defaults();
        return new BatchLimits(node.optionalInt("requestsMax", d.requestsMax(), 1, Integer.MAX_VALUE),
                node.optionalInt("bytesMax", d.bytesMax(), 1, Integer.MAX_VALUE),
                node.optionalInt("pipelineMax", d.pipelineMax(), 1, PIPELINE_MAX_LIMIT));
    }

    private static Limits limits(YamlNode node) throws ConfigException {
        node.onlyKeys(LIMIT_KEYS);
        Limits d = Limits.defaults();
        return new Limits(node.optionalInt("frameBytesMax", d.frameBytesMax(), 1, Integer.MAX_VALUE - 4),
                node.optionalInt("outboundQueueFramesMax", d.outboundQueueFramesMax(), 1, Integer.MAX_VALUE),
                node.optionalLong("outboundQueueBytesMax", d.outboundQueueBytesMax(), 1, Integer.MAX_VALUE),
                node.optionalInt("decisionLogMax", d.decisionLogMax(), 1, 10_000_000),
                node.optionalInt("clientsMax", d.clientsMax(), 1, 10_000_000));
    }

    private static Durability durability(YamlNode node) throws ConfigException {
        node.onlyKeys(DURABILITY_KEYS);
        Durability d = Durability.defaults();
        String modeText = node.optionalString("mode", d.mode().name().toLowerCase(java.util.Locale.ROOT));
        Durability.Mode mode = switch (modeText) {
            case "none" -> Durability.Mode.NONE;
            case "async" -> Durability.Mode.ASYNC;
            case "sync" -> Durability.Mode.SYNC;
            default -> throw new ConfigException(node.path() + ".mode", "must be none, async or sync, got '" + modeText + "'");
        };
        return new Durability(mode, node.optionalLong("syncIntervalMs", d.syncIntervalMs(), 1, Integer.MAX_VALUE),
                node.optionalLong("segmentBytesMax", d.segmentBytesMax(), 1, Long.MAX_VALUE / 2),
                node.optionalInt("checkpointsRetain", d.checkpointsRetain(), 1, 1000));
    }
}
