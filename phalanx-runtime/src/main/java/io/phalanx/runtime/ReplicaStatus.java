package io.phalanx.runtime;

import io.phalanx.core.replica.Counter;
import io.phalanx.runtime.transport.TransportMetrics;

import java.util.Map;
import java.util.Set;

/**
 * A snapshot of one running {@link Replica}, safe to read from any thread: what the core
 * reported after its latest step, plus the driver's and the transports' counters.
 *
 * @param id              the replica's id
 * @param regency         the installed regency
 * @param leader          the replica this one follows
 * @param active          false while a leader change is running
 * @param lastDecided     highest consensus id decided (-1 before the first)
 * @param lastExecuted    highest consensus id executed by the service (-1 before the first)
 * @param pendingRequests ordered requests waiting to be proposed
 * @param counters        the core's non-zero counters (refusals, decisions, leader changes...)
 * @param driver          the driver's own counters (queues, undecodable input)
 * @param mesh            the replica-to-replica transport's counters
 * @param clientPort      the client port's counters
 * @param recovering      true while the replica, started without its state, may not vote yet
 * @param aheadConsensusId how far a peer is known to have decided when beyond this replica (it is
 *                        catching up); -1 when it is not behind
 * @param transfer        the state transfer under way, or null
 * @param log             the durable log's state, or null with durability {@code none}
 * @param connectedPeers  the replicas this one has an authenticated mesh connection to now
 * @param queues          how much work waits in the replica's queues now
 */
public record ReplicaStatus(int id, int regency, int leader, boolean active, long lastDecided, long lastExecuted,
                            int pendingRequests, Map<Counter, Long> counters, DriverCounters driver,
                            TransportMetrics.Snapshot mesh, TransportMetrics.Snapshot clientPort, boolean recovering,
                            long aheadConsensusId, Transfer transfer, Log log, Set<Integer> connectedPeers,
                            Queues queues) {
    /**
     * Copies {@code counters} and {@code connectedPeers}, so the snapshot does not change later.
     *
     * @param id               the replica's id
     * @param regency          the installed regency
     * @param leader           the replica this one follows
     * @param active           false while a leader change is running
     * @param lastDecided      highest consensus id decided (-1 before the first)
     * @param lastExecuted     highest consensus id executed by the service (-1 before the first)
     * @param pendingRequests  ordered requests waiting to be proposed
     * @param counters         the core's non-zero counters
     * @param driver           the driver's own counters
     * @param mesh             the replica-to-replica transport's counters
     * @param clientPort       the client port's counters
     * @param recovering       true while the replica, started without its state, may not vote yet
     * @param aheadConsensusId how far a peer is known to have decided beyond this replica; -1 when
     *                         it is not behind
     * @param transfer         the state transfer under way, or null
     * @param log              the durable log's state, or null with durability {@code none}
     * @param connectedPeers   the replicas this one has an authenticated mesh connection to
     * @param queues           how much work waits in the replica's queues
     */
    public ReplicaStatus {
        counters = Map.copyOf(counters);
        connectedPeers = Set.copyOf(connectedPeers);
    }

    /**
     * How many decisions this replica is known to lack.
     *
     * @return the count; 0 when it is not behind
     */
    public long behindBy() {
        return aheadConsensusId < 0 ? 0 : aheadConsensusId - lastDecided;
    }

    /**
     * One line for logs and consoles: role, regency, decided and executed, and whether the
     * replica is recovering, catching up (by how much) or transferring state.
     *
     * @return the line, without a line break
     */
    public String summary() {
        StringBuilder line = new StringBuilder("replica ").append(id)
                .append(leader == id ? " (leader)" : " (follower of r" + leader + ")")
                .append(": regency ").append(regency).append(active ? "" : " (changing)")
                .append(", decided ").append(lastDecided).append(", executed ").append(lastExecuted)
                .append(", pending ").append(pendingRequests);
        if (recovering) {
            line.append(", RECOVERING (not voting yet)");
        }
        if (behindBy() > 0) {
            line.append(", CATCHING UP: ").append(behindBy()).append(" decisions behind");
        }
        if (transfer != null) {
            line.append(", STATE TRANSFER of checkpoint ").append(transfer.checkpointId()).append(": ")
                    .append(transfer.chunksIn()).append('/').append(transfer.chunks()).append(" chunks");
        }
        if (log != null) {
            line.append(String.format(java.util.Locale.ROOT, ", log %.1f MiB (%s, %d fsyncs of %.2f ms on average",
                    log.bytes() / 1048576.0, log.mode(), log.syncs(), log.syncMicrosMean() / 1000.0))
                    .append(log.lastCheckpoint() < 0 ? ", no checkpoint yet)" : ", checkpoint " + log.lastCheckpoint() + ")");
        }
        return line.toString();
    }

    /**
     * One of the core's counters.
     *
     * @param counter which counter
     * @return its value; 0 if it never moved
     */
    public long counter(Counter counter) {
        return counters.getOrDefault(counter, 0L);
    }

    /**
     * Input the driver refused or lost before it reached the core or the service. Every drop is
     * counted somewhere: here, in the core's counters, or in the transport's.
     *
     * @param inboundDropped     inputs dropped because the protocol thread's queue was full
     * @param undecodableFrames  frames that were not a valid message (garbage, wrong version, too large)
     * @param unexpectedMessages valid messages of the wrong kind for the link (a request on the
     *                           mesh, a replica message or reply on the client port)
     * @param clientIdMismatches requests whose client id differs from the id of the certificate
     *                           they arrived with
     * @param executionDropped   read-only queries or reply resends dropped because the execution
     *                           queue was full
     * @param encodeFailures     outgoing messages too large to encode within the frame limit
     */
    public record DriverCounters(long inboundDropped, long undecodableFrames, long unexpectedMessages,
                                 long clientIdMismatches, long executionDropped, long encodeFailures) {
    }

    /**
     * What the protocol thread publishes after every step; {@code view} is the view in force (the
     * one it votes in) and {@code latestView} the newest it knows, later than {@code view} while a
     * change waits to govern.
     */
    record Core(int regency, int leader, boolean active, long lastDecided, int pendingRequests,
                Map<Counter, Long> counters, boolean recovering, long aheadConsensusId, Transfer transfer,
                io.phalanx.core.view.View view, io.phalanx.core.view.View latestView) {
    }

    /**
     * The durable log as its thread last reported it.
     *
     * @param mode           the durability mode ({@code async} or {@code sync})
     * @param bytes          bytes of log segments on disk
     * @param syncs          fsyncs so far (each covering every record logged since the one before)
     * @param syncMicrosMean mean time of an fsync, in microseconds
     * @param lastCheckpoint consensus id of the newest checkpoint on disk, -1 if none
     */
    public record Log(String mode, long bytes, long syncs, long syncMicrosMean, long lastCheckpoint) {
    }

    /**
     * Work waiting in the replica's bounded queues.
     *
     * @param inbound   inputs read on other network threads waiting for the protocol's thread
     *                  (at most {@code Replica.Builder.inboundQueueMax})
     * @param execution decisions, queries and resends waiting for the execution thread (at most
     *                  {@code executionQueueMax})
     * @param log       steps waiting for the log thread (0 with durability {@code none})
     */
    public record Queues(int inbound, int execution, int log) {
    }

    /**
     * A state transfer under way.
     *
     * @param checkpointId the consensus id of the checkpoint being fetched
     * @param chunksIn     chunks received and checked
     * @param chunks       chunks in all
     * @param bytesIn      bytes of the checkpoint image received and checked
     * @param bytes        bytes of the image in all
     */
    public record Transfer(long checkpointId, int chunksIn, int chunks, long bytesIn, long bytes) {
    }
}
