package io.phalanx.runtime.transport;

import io.phalanx.runtime.LocalCluster;
import io.phalanx.runtime.config.BatchLimits;
import io.phalanx.runtime.config.ClientEntry;
import io.phalanx.runtime.config.ClusterConfig;
import io.phalanx.runtime.config.ClusterSection;
import io.phalanx.runtime.config.ConfigException;
import io.phalanx.runtime.config.Limits;
import io.phalanx.runtime.config.Mode;
import io.phalanx.runtime.config.ReplicaEntry;
import io.phalanx.runtime.config.Timeouts;
import io.phalanx.runtime.keys.Certificates;
import io.phalanx.runtime.keys.NodeIdentity;

import java.security.SecureRandom;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.UnaryOperator;

/** An in-memory cluster for transport tests: fresh keys, free local ports, fast timeouts. */
record TestCluster(ClusterConfig config, List<NodeIdentity> replicas, Map<Long, NodeIdentity> clients) {
    static final Certificates CERTIFICATES = new Certificates(new SecureRandom());
    static final Timeouts FAST = new Timeouts(1000, 1000, 2000, 20, 200);

    static TestCluster of(int replicaCount, int clientCount) {
        return of(replicaCount, clientCount, new Limits(1 << 20, 256, 4L << 20));
    }

    static TestCluster of(int replicaCount, int clientCount, Limits limits) {
        List<NodeIdentity> replicas = new ArrayList<>();
        List<ReplicaEntry> entries = new ArrayList<>();
        Set<Integer> ports = new HashSet<>(); // the OS may hand out a just-closed port twice
        for (int i = 0; i < replicaCount; i++) {
            NodeIdentity identity = identity("replica-" + i);
            replicas.add(identity);
            entries.add(new ReplicaEntry(i, "127.0.0.1", LocalCluster.freePort(ports), LocalCluster.freePort(ports),
                    identity.certificate()));
        }
        Map<Long, NodeIdentity> clients = new LinkedHashMap<>();
        List<ClientEntry> clientEntries = new ArrayList<>();
        for (int j = 0; j < clientCount; j++) {
            long id = 1000 + j;
            NodeIdentity identity = identity("client-" + id);
            clients.put(id, identity);
            clientEntries.add(new ClientEntry(id, identity.certificate()));
        }
        int f = (replicaCount - 1) / 3;
        ClusterConfig config = new ClusterConfig(new ClusterSection(0, Mode.BFT, f), entries, clientEntries, FAST,
                new BatchLimits(100, limits.frameBytesMax() / 8, 1), limits);
        try {
            return new TestCluster(config.validate(), replicas, clients);
        } catch (ConfigException e) {
            throw new IllegalStateException(e);
        }
    }

    static NodeIdentity identity(String name) {
        return CERTIFICATES.generate(name, Instant.now());
    }

    /** The same cluster with the replica entries rewritten (for impostor and misrouting tests). */
    TestCluster withReplicas(UnaryOperator<List<ReplicaEntry>> change) {
        ClusterConfig changed = new ClusterConfig(config.cluster(), change.apply(new ArrayList<>(config.replicas())),
                config.clients(), config.timeouts(), config.batch(), config.limits());
        return new TestCluster(changed, replicas, clients);
    }

    ReplicaEntry entry(int id) {
        return config.replica(id).orElseThrow();
    }
}
