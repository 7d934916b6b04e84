package io.phalanx.core.view;

import java.util.Objects;

/**
 * Where a replica listens: for its peers (the mesh) and for clients, each as {@code host:port}.
 * A view names them so that a replica or client that learns a view can reach its members.
 *
 * @param mesh   the replica-to-replica address
 * @param client the client port's address
 */
public record Addresses(String mesh, String client) {
    /**
     * Checks that both addresses are given.
     *
     * @param mesh   the replica-to-replica address, {@code host:port}
     * @param client the client port's address, {@code host:port}
     * @throws InvalidViewException if either is blank
     */
    public Addresses {
        Objects.requireNonNull(mesh, "mesh");
        Objects.requireNonNull(client, "client");
        if (mesh.isBlank() || client.isBlank()) {
            throw new InvalidViewException("a replica's mesh and client addresses must not be blank");
        }
    }
}
