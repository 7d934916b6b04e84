package io.phalanx.sim.check;

import java.util.List;

/**
 * Everything the checkers look at after a simulation run: what each replica decided and
 * executed, and what each client asked and was told, with simulated times.
 *
 * @param replicas one entry per replica that ever ran
 * @param operations every operation a correct client invoked, completed or not
 */
public record History(List<ReplicaHistory> replicas, List<ClientOperation> operations) {
    public History {
        replicas = List.copyOf(replicas);
        operations = List.copyOf(operations);
    }
}
