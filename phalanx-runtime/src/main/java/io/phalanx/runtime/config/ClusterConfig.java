package io.phalanx.runtime.config;

import java.nio.ByteBuffer;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * Everything a replica or client process needs to know about its cluster, as one immutable
 * value: loaded from the YAML cluster file by {@link ClusterConfigLoader} (see
 * {@code docs/CONFIG.md}) or built in code by tests. {@link #validate()} rejects inconsistent
 * topologies with a message that names the key, so a bad file stops a process at start
 * rather than as a puzzling failure later.
 *
 * @param cluster    the {@code cluster} section: view id, fault model, client signatures, administrator
 * @param replicas   the view's replicas, in the file's order
 * @param clients    the clients the replicas know by certificate
 * @param timeouts   the {@code timeouts} section
 * @param batch      the {@code batch} section
 * @param limits     the {@code limits} section
 * @param durability the {@code durability} section
 */
public record ClusterConfig(ClusterSection cluster, List<ReplicaEntry> replicas, List<ClientEntry> clients,
                            Timeouts timeouts, BatchLimits batch, Limits limits, Durability durability) {
    /** Largest port number. */
    public static final int PORT_MAX = 65535;

    /**
     * Copies the lists; {@link #validate()} checks the values.
     *
     * @param cluster    the {@code cluster} section
     * @param replicas   the view's replicas
     * @param clients    the known clients
     * @param timeouts   the {@code timeouts} section
     * @param batch      the {@code batch} section
     * @param limits     the {@code limits} section
     * @param durability the {@code durability} section, not null
     */
    public ClusterConfig {
        replicas = List.copyOf(replicas);
        clients = List.copyOf(clients);
        java.util.Objects.requireNonNull(durability, "durability");
    }

    /**
     * A cluster with the default durability ({@link Durability#defaults()}: sync).
     *
     * @param cluster  the {@code cluster} section
     * @param replicas the view's replicas
     * @param clients  the known clients
     * @param timeouts the {@code timeouts} section
     * @param batch    the {@code batch} section
     * @param limits   the {@code limits} section
     */
    public ClusterConfig(ClusterSection cluster, List<ReplicaEntry> replicas, List<ClientEntry> clients, Timeouts timeouts,
                         BatchLimits batch, Limits limits) {
        this(cluster, replicas, clients, timeouts, batch, limits, Durability.defaults());
    }

    /**
     * The same cluster with {@code newDurability}.
     *
     * @param newDurability the {@code durability} section to use
     * @return the changed config
     */
    public ClusterConfig withDurability(Durability newDurability) {
        return new ClusterConfig(cluster, replicas, clients, timeouts, batch, limits, newDurability);
    }

    /**
     * The same cluster with {@code entry} among its replicas, in place of the entry with its id if
     * there is one: a replica that joins a running cluster adds itself to the file it was given.
     *
     * @param entry the replica's entry
     * @return the changed config
     */
    public ClusterConfig withReplica(ReplicaEntry entry) {
        List<ReplicaEntry> changed = new java.util.ArrayList<>(replicas.stream().filter(r -> r.id() != entry.id()).toList());
        changed.add(entry);
        return new ClusterConfig(cluster, changed, clients, timeouts, batch, limits, durability);
    }

    /**
     * Looks up a replica by id.
     *
     * @param id the replica id
     * @return its entry, or empty if the view has no such replica
     */
    public Optional<ReplicaEntry> replica(int id) {
        return replicas.stream().filter(r -> r.id() == id).findFirst();
    }

    /**
     * Looks up a client by id.
     *
     * @param id the client id
     * @return its entry, or empty if the file lists no such client
     */
    public Optional<ClientEntry> client(long id) {
        return clients.stream().filter(c -> c.id() == id).findFirst();
    }

    /**
     * Checks every value and the topology as a whole; the exception names the first bad key.
     *
     * @return this config, for chaining
     * @throws ConfigException naming the first bad key
     */
    public ClusterConfig validate() throws ConfigException {
        validateCluster();
        validateReplicas();
        validateClients();
        validateTimeouts();
        validateLimits();
        validateDurability();
        return this;
    }

    private void validateCluster() throws ConfigException {
        if (cluster.viewId() < 0) {
            throw new ConfigException("cluster.viewId", "must be >= 0, got " + cluster.viewId());
        }
        if (cluster.f() < 0) {
            throw new ConfigException("cluster.f", "must be >= 0, got " + cluster.f());
        }
        if (replicas.isEmpty()) {
            throw new ConfigException("replicas", "at least one replica is needed");
        }
        int needed = cluster.mode().replicasMin(cluster.f());
        if (replicas.size() < needed) {
            throw new ConfigException("cluster.f", "f=" + cluster.f() + " in " + cluster.mode().name().toLowerCase()
                    + " mode needs at least " + needed + " replicas, the file has " + replicas.size());
        }
    }

    private void validateReplicas() throws ConfigException {
        Map<Integer, Integer> indexById = new HashMap<>();
        Map<String, String> endpoints = new HashMap<>();
        Map<ByteBuffer, String> keys = new HashMap<>();
        for (int i = 0; i < replicas.size(); i++) {
            ReplicaEntry replica = replicas.get(i);
            String at = "replicas[" + i + "]";
            if (replica.id() < 0) {
                throw new ConfigException(at + ".id", "must be >= 0, got " + replica.id());
            }
            Integer previous = indexById.putIfAbsent(replica.id(), i);
            if (previous != null) {
                throw new ConfigException(at + ".id", "duplicate of replicas[" + previous + "] (id " + replica.id() + ")");
            }
            if (replica.host() == null || replica.host().isBlank()) {
                throw new ConfigException(at + ".host", "must not be empty");
            }
            checkEndpoint(endpoints, at + ".port", replica.host(), replica.port());
            checkEndpoint(endpoints, at + ".clientPort", replica.host(), replica.clientPort());
            if (replica.admin() != null) {
                if (replica.admin().host() == null || replica.admin().host().isBlank()) {
                    throw new ConfigException(at + ".admin.host", "must not be empty");
                }
                checkEndpoint(endpoints, at + ".admin.port", replica.admin().host(), replica.admin().port());
            }
            checkUniqueKey(keys, at + ".certificate", replica.certificate().getPublicKey().getEncoded());
        }
        for (int i = 0; i < clients.size(); i++) {
            checkUniqueKey(keys, "clients[" + i + "].certificate", clients.get(i).certificate().getPublicKey().getEncoded());
        }
    }

    private static void checkEndpoint(Map<String, String> seen, String key, String host, int port) throws ConfigException {
        if (port < 1 || port > PORT_MAX) {
            throw new ConfigException(key, "must be in 1.." + PORT_MAX + ", got " + port);
        }
        String endpoint = host + ":" + port;
        String previous = seen.putIfAbsent(endpoint, key);
        if (previous != null) {
            throw new ConfigException(key, "duplicate of " + previous + " (" + endpoint + ")");
        }
    }

    private static void checkUniqueKey(Map<ByteBuffer, String> seen, String key, byte[] publicKey) throws ConfigException {
        String previous = seen.putIfAbsent(ByteBuffer.wrap(publicKey), key);
        if (previous != null) {
            throw new ConfigException(key, "same public key as " + previous + "; every node needs its own key");
        }
    }

    private void validateClients() throws ConfigException {
        Map<Long, Integer> indexById = new HashMap<>();
        for (int i = 0; i < clients.size(); i++) {
            long id = clients.get(i).id();
            if (id < 0) {
                throw new ConfigException("clients[" + i + "].id", "must be >= 0, got " + id);
            }
            Integer previous = indexById.putIfAbsent(id, i);
            if (previous != null) {
                throw new ConfigException("clients[" + i + "].id", "duplicate of clients[" + previous + "] (id " + id + ")");
            }
        }
        validateAdmin(indexById.keySet());
    }

    /** The administrator is a client the file lists: its certificate is what authenticates its changes. */
    private void validateAdmin(java.util.Set<Long> clientIds) throws ConfigException {
        if (!cluster.hasAdmin()) {
            return;
        }
        if (cluster.admin() < 0) {
            throw new ConfigException("cluster.admin", "must be a client id >= 0, got " + cluster.admin());
        }
        if (!clientIds.contains(cluster.admin())) {
            throw new ConfigException("cluster.admin", "names client " + cluster.admin()
                    + ", which is not listed under clients; list the administrator's id and certificate there");
        }
        // A request reaches most replicas inside a leader's proposal, not over its client's TLS
        // connection: unsigned, a Byzantine leader could propose a view change nobody sent.
        if (cluster.mode() == Mode.BFT && !cluster.clientSignatures()) {
            throw new ConfigException("cluster.admin", "in bft mode an administrator needs cluster.clientSignatures:"
                    + " true, so that no replica can order a view change the administrator did not sign");
        }
    }

    private void validateTimeouts() throws ConfigException {
        positive("timeouts.requestMs", timeouts.requestMs());
        positive("timeouts.connectMs", timeouts.connectMs());
        positive("timeouts.handshakeMs", timeouts.handshakeMs());
        positive("timeouts.reconnectInitialMs", timeouts.reconnectInitialMs());
        positive("timeouts.reconnectMaxMs", timeouts.reconnectMaxMs());
        positive("timeouts.frameIncompleteMs", timeouts.frameIncompleteMs());
        if (timeouts.reconnectMaxMs() < timeouts.reconnectInitialMs()) {
            throw new ConfigException("timeouts.reconnectMaxMs", "must be >= timeouts.reconnectInitialMs ("
                    + timeouts.reconnectInitialMs() + "), got " + timeouts.reconnectMaxMs());
        }
    }

    private void validateLimits() throws ConfigException {
        positive("batch.requestsMax", batch.requestsMax());
        positive("batch.bytesMax", batch.bytesMax());
        if (batch.pipelineMax() < 1 || batch.pipelineMax() > ClusterConfigLoader.PIPELINE_MAX_LIMIT) {
            throw new ConfigException("batch.pipelineMax", "must be within 1.." + ClusterConfigLoader.PIPELINE_MAX_LIMIT
                    + ", got " + batch.pipelineMax());
        }
        positive("limits.frameBytesMax", limits.frameBytesMax());
        positive("limits.outboundQueueFramesMax", limits.outboundQueueFramesMax());
        positive("limits.outboundQueueBytesMax", limits.outboundQueueBytesMax());
        if (batch.bytesMax() >= limits.frameBytesMax()) {
            throw new ConfigException("batch.bytesMax", "must be below limits.frameBytesMax ("
                    + limits.frameBytesMax() + ") so a full batch fits in one frame, got " + batch.bytesMax());
        }
        if (limits.outboundQueueBytesMax() < limits.frameBytesMax()) {
            throw new ConfigException("limits.outboundQueueBytesMax", "must be >= limits.frameBytesMax ("
                    + limits.frameBytesMax() + ") so one full frame can be queued, got " + limits.outboundQueueBytesMax());
        }
    }

    private void validateDurability() throws ConfigException {
        positive("durability.syncIntervalMs", durability.syncIntervalMs());
        if (durability.segmentBytesMax() < limits.frameBytesMax()) {
            throw new ConfigException("durability.segmentBytesMax", "must be >= limits.frameBytesMax ("
                    + limits.frameBytesMax() + ") so a segment holds a full batch, got " + durability.segmentBytesMax());
        }
        positive("durability.checkpointsRetain", durability.checkpointsRetain());
    }

    private static void positive(String key, long value) throws ConfigException {
        if (value <= 0) {
            throw new ConfigException(key, "must be > 0, got " + value);
        }
    }
}
