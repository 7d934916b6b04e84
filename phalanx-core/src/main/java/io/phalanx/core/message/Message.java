package io.phalanx.core.message;

/**
 * Every message Phalanx puts on the wire. The hierarchy is sealed so that the codec and every
 * handler can switch over it exhaustively: adding a message type fails compilation wherever it
 * is not yet handled.
 */
public sealed interface Message permits Request, Reply, Refusal, ReplicaMessage {
}
