package io.phalanx.runtime.transport;

import io.phalanx.runtime.config.HostPort;
import io.phalanx.runtime.config.Timeouts;

import java.util.HashMap;
import java.util.Map;

/**
 * The peers a transport dials, one {@link Dialer} each, kept to a set that can change: a peer
 * that joins the set is dialled, one that leaves it is no longer redialled (its connection is
 * left open until either side closes it: see {@link Dialer#retire}), one whose address changed
 * is dialled at the new address. Thread-safe.
 */
final class Dialers {
    private record Dialled(HostPort target, Dialer dialer) {
    }

    private final NettyNode node;
    private final String name;
    private final Timeouts timeouts;
    private final Map<Long, Dialled> dialled = new HashMap<>();
    private boolean stopped;

    Dialers(NettyNode node, String name, Timeouts timeouts) {
        this.node = node;
        this.name = name;
        this.timeouts = timeouts;
    }

    /**
     * Dials exactly {@code targets}: starts a dialer for each peer not dialled yet (or dialled at
     * another address, closing the connection to the old one), retires those of peers not in it.
     *
     * @param targets where each peer to dial listens, by peer id
     */
    synchronized void dial(Map<Long, HostPort> targets) {
        if (stopped) {
            return;
        }
        dialled.entrySet().removeIf(entry -> {
            HostPort target = targets.get(entry.getKey());
            if (entry.getValue().target().equals(target)) {
                return false;
            }
            if (target == null) {
                entry.getValue().dialer().retire();
            } else {
                entry.getValue().dialer().stop();
            }
            return true;
        });
        targets.forEach((peer, target) -> {
            if (!dialled.containsKey(peer)) {
                Dialer dialer = new Dialer(node, name, target.host(), target.port(), peer,
                        timeouts.reconnectInitialMs(), timeouts.reconnectMaxMs());
                dialled.put(peer, new Dialled(target, dialer));
                dialer.start();
            }
        });
    }

    /** How many peers are dialled. */
    synchronized int size() {
        return dialled.size();
    }

    /** Stops every dialer; later calls of {@link #dial} do nothing. */
    synchronized void stop() {
        stopped = true;
        dialled.values().forEach(d -> d.dialer().stop());
        dialled.clear();
    }
}
