package io.phalanx.core.replica;

import io.phalanx.core.message.Accept;
import io.phalanx.core.message.Propose;
import io.phalanx.core.message.ReplicaMessage;
import io.phalanx.core.message.Write;
import io.phalanx.core.service.RequestVerifier;

import java.util.Objects;
import java.util.random.RandomGenerator;

/**
 * One replica's protocol logic as a deterministic state machine: {@code output = step(now, input)}.
 *
 * <p>It performs no I/O, starts no threads, reads no clock and draws randomness only from the
 * generator it is given, so the simulator can run many replicas in one thread from one seed and
 * the runtime can run the same code over real sockets. Not thread-safe: the driver calls it from
 * one thread. Inputs are dispatched to one handler per family (client requests, normal case; the
 * leader change, checkpoints and state transfer join them).
 */
public final class ReplicaCore {
    private final ReplicaState state;
    private final NormalCase normalCase;
    private final RequestAdmission admission;

    /**
     * @param config   limits and identity
     * @param verifier the service's check on requests proposed for ordering
     * @param random   source of batch nonces; seeded in the simulator, secure in production
     */
    public ReplicaCore(ReplicaConfig config, RequestVerifier verifier, RandomGenerator random) {
        this.state = new ReplicaState(Objects.requireNonNull(config, "config"),
                Objects.requireNonNull(verifier, "verifier"), Objects.requireNonNull(random, "random"));
        this.normalCase = new NormalCase(state);
        this.admission = new RequestAdmission(state, normalCase);
    }

    /** Processes one input at time {@code nowMs} and returns what the driver must do. */
    public Output step(long nowMs, Input input) {
        state.nowMs = nowMs;
        Effects effects = new Effects();
        if (input instanceof Input.RequestReceived r) {
            admission.onRequest(effects, r.request());
        } else if (input instanceof Input.MessageReceived m) {
            onMessage(effects, m.from(), m.message());
        }
        return effects.build();
    }

    private void onMessage(Effects effects, int from, ReplicaMessage message) {
        if (message.sender() != from) {
            state.refuse(Counter.SPOOFED_SENDER, message);
            return;
        }
        if (!state.view.contains(from) || from == state.id) {
            state.refuse(Counter.NOT_A_MEMBER, message);
            return;
        }
        if (message instanceof Propose p) {
            normalCase.onPropose(effects, p);
        } else if (message instanceof Write w) {
            normalCase.onWrite(effects, w);
        } else if (message instanceof Accept a) {
            normalCase.onAccept(effects, a);
        }
    }

    public int id() {
        return state.id;
    }

    /** Highest consensus id decided here; -1 before the first decision. */
    public long lastDecided() {
        return state.lastDecided;
    }

    public int regency() {
        return state.regency;
    }

    /** The replica this one currently follows. */
    public int leader() {
        return state.leader();
    }

    public int pendingRequests() {
        return state.pending.size();
    }

    public Counters counters() {
        return state.counters;
    }

    /** Why the most recent refused message or proposal was refused (empty if none). */
    public String lastRejection() {
        return state.lastRejection;
    }
}
