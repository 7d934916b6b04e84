package io.phalanx.core.view;

import java.util.Objects;

/**
 * Where a replica listens: for its peers (the mesh), for clients, and optionally for operators
 * (its admin port's HTTP pages), each as {@code host:port}. A view names them so that a replica,
 * client or tool that learns a view can reach its members.
 *
 * @param mesh   the replica-to-replica address
 * @param client the client port's address
 * @param admin  the admin port's address, or empty if the replica serves none (or it is not known)
 */
public record Addresses(String mesh, String client, String admin) {
    /**
     * Checks that the mesh and client addresses are given.
     *
     * @param mesh   the replica-to-replica address, {@code host:port}
     * @param client the client port's address, {@code host:port}
     * @param admin  the admin port's address, {@code host:port}, or empty
     * @throws InvalidViewException if the mesh or client address is blank
     */
    public Addresses {
        Objects.requireNonNull(mesh, "mesh");
        Objects.requireNonNull(client, "client");
        Objects.requireNonNull(admin, "admin");
        if (mesh.isBlank() || client.isBlank()) {
            throw new InvalidViewException("a replica's mesh and client addresses must not be blank");
        }
    }

    /**
     * A replica without an admin address.
     *
     * @param mesh   the replica-to-replica address, {@code host:port}
     * @param client the client port's address, {@code host:port}
     */
    public Addresses(String mesh, String client) {
        this(mesh, client, "");
    }
}
