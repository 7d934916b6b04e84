package io.phalanx.core.service;

import io.phalanx.core.view.View;

/**
 * What a service may know about the request it executes, beyond the operation itself. The
 * timestamp and nonce were chosen by the leader and agreed with the batch, so a service that
 * needs the time or a random number reads them here and stays deterministic; the view is the
 * one in force at the batch's consensus id, the same on every replica (a service that records
 * who decided what, such as the ordering service naming a block's signers, reads it here).
 *
 * @param consensusId the consensus instance that decided the request's batch
 * @param timestampMs the batch's agreed timestamp (milliseconds since the epoch)
 * @param nonce       the batch's agreed random value
 * @param clientId    the client that sent the request
 * @param sequence    the request's sequence number
 * @param view        the view whose quorums decided the batch; null only where no replica
 *                    executes (a checker's reference run of a service that reads no view)
 */
public record ExecutionContext(long consensusId, long timestampMs, long nonce, long clientId, long sequence, View view) {
}
