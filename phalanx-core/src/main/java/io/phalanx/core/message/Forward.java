package io.phalanx.core.message;

import java.util.List;

/**
 * Requests whose timer expired once at the sender, passed on to every replica, so that a
 * leader that never received them directly (or pretends not to have) gets them from its peers
 * and every replica starts a timer for them.
 *
 * @param sender   the replica whose timer expired
 * @param requests the requests it passes on
 */
public record Forward(int sender, List<Request> requests) implements ReplicaMessage {
    /**
     * Copies the request list.
     *
     * @param sender   the replica whose timer expired
     * @param requests the requests it passes on
     */
    public Forward {
        requests = List.copyOf(requests);
    }
}
