package io.phalanx.runtime;

import io.phalanx.core.replica.Counter;
import io.phalanx.runtime.transport.TransportMetrics;

import java.util.Map;

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
 */
public record ReplicaStatus(int id, int regency, int leader, boolean active, long lastDecided, long lastExecuted,
                            int pendingRequests, Map<Counter, Long> counters, DriverCounters driver,
                            TransportMetrics.Snapshot mesh, TransportMetrics.Snapshot clientPort) {
    public ReplicaStatus {
        counters = Map.copyOf(counters);
    }

    /** A core counter, 0 if it never moved. */
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

    /** What the protocol thread publishes after every step. */
    record Core(int regency, int leader, boolean active, long lastDecided, int pendingRequests,
                Map<Counter, Long> counters) {
    }
}
