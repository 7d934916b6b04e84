package io.phalanx.core.replica;

import io.phalanx.core.message.ReplicaMessage;

/** A message to deliver to replica {@code to}. */
public record Send(int to, ReplicaMessage message) {
}
