package io.phalanx.runtime;

import io.micrometer.core.instrument.Timer;

import java.util.Locale;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicLongArray;

/**
 * What a client counts. Written on the client's network thread (overload refusals by the
 * threads that call), read from any thread by {@link Client#stats()} and by the meters of
 * {@link ClientMeters}. Every count starts at 0 when the client is built.
 */
final class ClientCounters {
    /** Why a request went out again; the meters' {@code reason} tag is the name in lower case. */
    enum Resend {
        /** Its retransmission timer expired: sent to every replica. */
        TIMEOUT,
        /** It went to the leader alone and the connection to the leader was lost: sent to every replica. */
        REPLICA_DOWN,
        /** A replica connected (again): what it may have missed while unreachable is sent to it. */
        REPLICA_UP,
        /** It went to the leader alone, which refused it: sent to every replica. */
        REFUSED,
        /** A quorum returned the result's digest but none the result itself: sent to every replica. */
        FULL_RESULT;

        String tag() {
            return name().toLowerCase(Locale.ROOT);
        }
    }

    /** Why a call ended without a result; the meters' {@code reason} tag is the name in lower case. */
    enum Failure {
        /** No result from a quorum within the call timeout ({@link PhalanxTimeoutException}). */
        TIMEOUT,
        /** Refused at once: too many calls open ({@link PhalanxOverloadedException}). */
        OVERLOADED,
        /** A quorum refused it: a newer session of the client id began. */
        SESSION_SUPERSEDED,
        /** A quorum refused it: the replicas do not know its session (evicted, or they lost their state). */
        SESSION_UNKNOWN,
        /** A quorum refused it: the replicas are in a newer view than the client knows. */
        VIEW_OUTDATED,
        /** Too large to send in a frame. */
        UNSENDABLE;

        String tag() {
            return name().toLowerCase(Locale.ROOT);
        }
    }

    /** Latencies of completed calls, or null when the client has no meter registry. */
    private final Timer latency;
    private final AtomicLong completed = new AtomicLong();
    private final AtomicLongArray failures = new AtomicLongArray(Failure.values().length);
    private final AtomicLongArray resends = new AtomicLongArray(Resend.values().length);
    private final AtomicLong orderedRetries = new AtomicLong();
    private final AtomicLong sessionsBegun = new AtomicLong();
    private final AtomicLong undecodable = new AtomicLong();
    private volatile int inFlight;

    /** @param latency where completed calls' latencies go; null to count them only */
    ClientCounters(Timer latency) {
        this.latency = latency;
    }

    /** A call completed with a result, {@code latencyNanos} after it was invoked. */
    void completed(long latencyNanos) {
        completed.incrementAndGet();
        if (latency != null) {
            latency.record(latencyNanos, TimeUnit.NANOSECONDS);
        }
    }

    void failed(Failure reason) {
        failures.incrementAndGet(reason.ordinal());
    }

    void resent(Resend reason) {
        resends.incrementAndGet(reason.ordinal());
    }

    /** A read-only call's query got no quorum of matching answers and goes on as an ordered request. */
    void retriedOrdered() {
        orderedRetries.incrementAndGet();
    }

    void sessionBegun() {
        sessionsBegun.incrementAndGet();
    }

    void undecodable() {
        undecodable.incrementAndGet();
    }

    /** Written by the network thread after each of its turns: calls in the core now. */
    void inFlight(int calls) {
        inFlight = calls;
    }

    long completed() {
        return completed.get();
    }

    long failures(Failure reason) {
        return failures.get(reason.ordinal());
    }

    long refusals() {
        return failures(Failure.SESSION_SUPERSEDED) + failures(Failure.SESSION_UNKNOWN) + failures(Failure.VIEW_OUTDATED);
    }

    long resends(Resend reason) {
        return resends.get(reason.ordinal());
    }

    long resends() {
        long all = 0;
        for (Resend reason : Resend.values()) {
            all += resends(reason);
        }
        return all;
    }

    long orderedRetries() {
        return orderedRetries.get();
    }

    long sessionsBegun() {
        return sessionsBegun.get();
    }

    long undecodableFrames() {
        return undecodable.get();
    }

    int inFlight() {
        return inFlight;
    }
}
