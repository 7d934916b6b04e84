package io.phalanx.sim;

import java.util.Locale;

/**
 * The service simulated replicas run, and with it the clients' workload and the checkers that
 * judge the run.
 */
public enum SimService {
    /**
     * The key-value service ({@code phalanx-kv}): clients read and write a few shared keys, and
     * the linearizability checker judges every result against the decided log.
     */
    KV,
    /**
     * The Fabric ordering service ({@code phalanx-ordering}): clients broadcast envelopes on two
     * channels and send time-to-cut requests as frontends do, and the chain checkers judge the
     * blocks every correct replica cut ({@link io.phalanx.sim.ordering.OrderingSetup}).
     */
    ORDERING;

    /**
     * The command-line name.
     *
     * @return {@code kv} or {@code ordering}
     */
    public String cliName() {
        return name().toLowerCase(Locale.ROOT);
    }

    /**
     * Parses a command-line name.
     *
     * @param name {@code kv} or {@code ordering}, in any case
     * @return the service
     * @throws IllegalArgumentException naming the known services
     */
    public static SimService parse(String name) {
        for (SimService service : values()) {
            if (service.cliName().equals(name.trim().toLowerCase(Locale.ROOT))) {
                return service;
            }
        }
        throw new IllegalArgumentException("unknown service '" + name + "'; known: kv, ordering");
    }
}
