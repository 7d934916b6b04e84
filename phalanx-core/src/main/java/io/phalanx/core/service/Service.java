package io.phalanx.core.service;

import io.phalanx.core.message.Bytes;

/**
 * The replicated application: a deterministic state machine.
 *
 * <p>Every correct replica calls {@link #execute} with the same operations in the same order and
 * must reach the same state and results; so an implementation must not read clocks, random
 * sources, threads' timing or anything else outside its arguments (take time and randomness
 * from the {@link ExecutionContext}). Calls never overlap: the library calls a service from one
 * thread at a time.
 */
public interface Service {

    /** Executes an ordered operation and returns its result. */
    Bytes execute(Bytes operation, ExecutionContext context);

    /**
     * Answers a read-only operation from the current state without changing it. The client
     * accepts the answer only if enough replicas return the same bytes.
     */
    Bytes query(Bytes operation);

    /** A complete, deterministic image of the state: equal states give equal bytes. */
    Bytes snapshot();

    /** Replaces the state with one produced by {@link #snapshot}. */
    void restore(Bytes snapshot);
}
