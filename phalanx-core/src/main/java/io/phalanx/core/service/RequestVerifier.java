package io.phalanx.core.service;

import io.phalanx.core.message.Request;

/**
 * A service-level check that followers run on every request of a proposal before voting for
 * it, so a leader cannot get a request ordered that the service would refuse. It must be a pure
 * function of the request (it runs on the protocol thread, concurrently with execution). A
 * replica also runs it when a request arrives, and drops (and counts as {@code INVALID_REQUEST})
 * one it refuses. The administrator's requests (view changes) are never shown to it: the
 * service never sees them.
 */
@FunctionalInterface
public interface RequestVerifier {
    /** Accepts everything. */
    RequestVerifier ACCEPT_ALL = request -> true;

    /**
     * Whether the service is willing to have {@code request} ordered.
     *
     * @param request a request of the proposal being voted on
     * @return true to let it be ordered; false makes the follower refuse the proposal
     */
    boolean isValid(Request request);
}
