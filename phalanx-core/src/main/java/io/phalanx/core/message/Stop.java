package io.phalanx.core.message;

import java.util.List;

/**
 * The sender wants to leave every regency below {@code regency}: its requests waited too long.
 * It carries those requests so the next leader has them. f+1 STOPs make a replica join; a
 * quorum makes it install the new regency. It also tells how far the sender got, so a peer that
 * decided more can hand it the decisions it missed (a replica stuck behind often is the one
 * asking for a change).
 *
 * @param sender      the replica that wants the change
 * @param regency     the regency it wants to reach
 * @param lastDecided the sender's last decided consensus id, -1 if none
 * @param requests    the requests whose timers expired at the sender
 */
public record Stop(int sender, int regency, long lastDecided, List<Request> requests) implements ReplicaMessage {
    /**
     * Copies the request list.
     *
     * @param sender      the replica that wants the change
     * @param regency     the regency it wants to reach
     * @param lastDecided the sender's last decided consensus id, -1 if none
     * @param requests    the requests whose timers expired at the sender
     */
    public Stop {
        requests = List.copyOf(requests);
    }
}
