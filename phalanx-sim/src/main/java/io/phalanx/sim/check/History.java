package io.phalanx.sim.check;

import java.util.List;
import java.util.Set;

/**
 * Everything the checkers look at after a simulation run: what each replica decided and
 * executed, and what each client asked and was told, with simulated times.
 *
 * @param replicas one entry per replica that ever ran
 * @param operations every operation a correct client invoked, completed or not
 * @param byzantineClients clients the simulator made Byzantine: their requests are really sent
 *                   (by them) whatever they contain, and nobody checks their results
 */
public record History(List<ReplicaHistory> replicas, List<ClientOperation> operations, Set<Long> byzantineClients) {
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
     * Copies the collections.
     *
     * @param replicas         one entry per replica that ever ran
     * @param operations       every operation a correct client invoked, completed or not
     * @param byzantineClients the clients the simulator made Byzantine
     */
    public History {
        replicas = List.copyOf(replicas);
        operations = List.copyOf(operations);
        byzantineClients = Set.copyOf(byzantineClients);
    }
}
