package io.phalanx.core.message;

import java.util.List;

/**
 * Requests whose timer expired once at the sender, passed on to every replica, so that a
 * leader that never received them directly (or pretends not to have) gets them from its peers
 * and every replica starts a timer for them.
 */
public record Forward(int sender, List<Request> requests) implements ReplicaMessage {
    public Forward {
        requests = List.copyOf(requests);
    }
}
