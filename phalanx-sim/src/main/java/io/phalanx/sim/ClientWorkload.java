package io.phalanx.sim;

import io.phalanx.core.message.Bytes;

import java.util.SplittableRandom;

/**
 * What one simulated client asks its service, call after call: the key-value workload or the
 * ordering workload ({@link SimService}). An implementation draws only from the generator it is
 * given, so a seed reproduces the calls.
 */
public interface ClientWorkload {
    /**
     * One call.
     *
     * @param operation the request's operation
     * @param readOnly  whether it goes as an unordered read-only query
     * @param text      how the trace names it
     */
    record Call(Bytes operation, boolean readOnly, String text) {
    }

    /**
     * The next call.
     *
     * @param random the client's generator
     * @return the call
     */
    Call next(SplittableRandom random);

    /**
     * A call completed (the client may base later calls on what it was told).
     *
     * @param operation the call's operation
     * @param result    the result the client accepted
     * @param nowMs     the simulated time
     */
    void completed(Bytes operation, Bytes result, long nowMs);

    /**
     * A result in words, for the trace.
     *
     * @param result a call's result
     * @return its rendering
     */
    String describeResult(Bytes result);
}
