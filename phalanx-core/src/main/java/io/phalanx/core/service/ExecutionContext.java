package io.phalanx.core.service;

/**
 * What a service may know about the request it executes, beyond the operation itself. The
 * timestamp and nonce were chosen by the leader and agreed with the batch, so a service that
 * needs the time or a random number reads them here and stays deterministic.
 *
 * @param consensusId the consensus instance that decided the request's batch
 * @param timestampMs the batch's agreed timestamp (milliseconds since the epoch)
 * @param nonce       the batch's agreed random value
 * @param clientId    the client that sent the request
 * @param sequence    the request's sequence number
 */
public record ExecutionContext(long consensusId, long timestampMs, long nonce, long clientId, long sequence) {
}
