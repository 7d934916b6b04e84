package io.phalanx.sim.check;

import java.util.List;
import java.util.Set;

/**
 * Everything the checkers look at after a simulation run: what each replica decided and
 * executed, and what each client asked and was told, with simulated times; with the ordering
 * service, also the blocks each replica cut.
 *
 * @param replicas one entry per replica that ever ran
 * @param operations every operation a correct client invoked, completed or not
 * @param byzantineClients clients the simulator made Byzantine: their requests are really sent
 *                   (by them) whatever they contain, and nobody checks their results
 * @param chains     the blocks the replicas cut, one segment per channel from each start of a
 *                   service state (an incarnation's start, a restored checkpoint); empty for a
 *                   service that cuts no blocks
 */
public record History(List<ReplicaHistory> replicas, List<ClientOperation> operations, Set<Long> byzantineClients,
                      List<ChainSegment> chains) {
    /**
     * A history in which every client is correct.
     *
     * @param replicas   one entry per replica that ever ran
     * @param operations every operation a client invoked, completed or not
     */
    public History(List<ReplicaHistory> replicas, List<ClientOperation> operations) {
        this(replicas, operations, Set.of());
    }

    /**
     * A history of a service that cuts no blocks.
     *
     * @param replicas         one entry per replica that ever ran
     * @param operations       every operation a correct client invoked, completed or not
     * @param byzantineClients the clients the simulator made Byzantine
     */
    public History(List<ReplicaHistory> replicas, List<ClientOperation> operations, Set<Long> byzantineClients) {
        this(replicas, operations, byzantineClients, List.of());
    }

    /**
     * Copies the collections.
     *
     * @param replicas         one entry per replica that ever ran
     * @param operations       every operation a correct client invoked, completed or not
     * @param byzantineClients the clients the simulator made Byzantine
     * @param chains           the blocks the replicas cut, by segment
     */
    public History {
        replicas = List.copyOf(replicas);
        operations = List.copyOf(operations);
        byzantineClients = Set.copyOf(byzantineClients);
        chains = List.copyOf(chains);
    }
}
