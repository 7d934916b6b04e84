package io.phalanx.core.service;

import io.phalanx.core.message.Bytes;

import java.io.IOException;
import java.io.InputStream;

/**
 * The replicated application: a deterministic state machine.
 *
 * <p>Every correct replica calls {@link #execute} with the same operations in the same order and
 * must reach the same state and results; so an implementation must not read clocks, random
 * sources, threads' timing or anything else outside its arguments (take time and randomness
 * from the {@link ExecutionContext}). Calls never overlap: the library calls a service from one
 * thread at a time, except {@link Snapshot#writeTo}, which may run while execution goes on.
 *
 * <p>Snapshots. A service whose state fits in memory implements {@link #snapshot} and
 * {@link #restore(Bytes)}. A larger one overrides {@link #openSnapshot} and
 * {@link #restore(InputStream)} as well, so its state streams to the checkpoint file and from
 * a state transfer without ever being held in memory at once.
 */
public interface Service {

    /**
     * Executes an ordered operation.
     *
     * @param operation the bytes a client passed to {@code invoke}, in the service's own encoding
     * @param context   where the operation stands in the order, with the agreed time and nonce
     * @return the result, returned to the client: the same on every correct replica
     */
    Bytes execute(Bytes operation, ExecutionContext context);

    /**
     * Answers a read-only operation from the current state without changing it. The client
     * accepts the answer only if enough replicas return the same bytes.
     *
     * @param operation the bytes a client passed to {@code invokeUnordered}
     * @return the answer from the current state
     */
    Bytes query(Bytes operation);

    /**
     * A complete, deterministic image of the state: equal states give equal bytes.
     *
     * @return the state, which {@link #restore(Bytes)} takes back
     */
    Bytes snapshot();

    /**
     * Replaces the state with one produced by {@link #snapshot}.
     *
     * @param snapshot bytes {@link #snapshot} returned, here or on another replica
     */
    void restore(Bytes snapshot);

    /**
     * Captures the state now (the execution thread calls it between two operations), to be
     * written out by {@link Snapshot#writeTo}, possibly on another thread while execution goes
     * on. The default captures {@link #snapshot}'s bytes; a service whose state does not fit in
     * memory captures a consistent view instead (a storage engine's snapshot) and streams it.
     *
     * @return the captured state, written once and then closed by the caller
     */
    default Snapshot openSnapshot() {
        Bytes state = snapshot();
        return new Snapshot() {
            @Override
            public void writeTo(java.io.OutputStream out) throws IOException {
                state.writeTo(out);
            }

            @Override
            public void close() {
            }
        };
    }

    /**
     * Replaces the state with the bytes a {@link Snapshot#writeTo} wrote, read from {@code in}
     * to its end. The default reads them all into memory and calls {@link #restore(Bytes)}.
     *
     * @param in the bytes of a snapshot, read to the end; not closed here
     * @throws IOException if reading {@code in} fails
     */
    default void restore(InputStream in) throws IOException {
        restore(Bytes.copyOf(in.readAllBytes()));
    }
}
