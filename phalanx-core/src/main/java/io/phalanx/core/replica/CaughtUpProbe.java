package io.phalanx.core.replica;

import io.phalanx.core.message.StateQuery;
import io.phalanx.core.message.StateReport;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * Which members are up and caught up, as a leader learns it before it proposes an
 * administrator's request: it asks every member of the latest view where it stands (STATE_QUERY)
 * and waits for all of them, or for {@link #WAIT_TICKS} tick intervals, whichever comes first. A
 * member counts if it answered in that time, is not recovering, is in the leader's regency or
 * later, and lacks no decision that the leader's decision log no longer holds
 * ({@code decisionLogMax}): it catches up by fetching decisions, not by state transfer. (Its
 * answer is as old as the wait, in which a busy cluster decides many instances; a margin of one
 * window would count a healthy follower as behind.) The leader always counts. The batch that carries the request names them
 * ({@code Batch#caughtUp}), and every replica refuses the change alike if they cannot form its new
 * view's quorum: a view installed without a quorum of running replicas would stall the cluster
 * until one that is down came back (a replica added before it runs, while another is down).
 *
 * <p>A faulty leader can name any members; that only decides whether the change is made, which
 * a faulty leader could already refuse to propose. Safety never rests on the list.
 */
final class CaughtUpProbe {
    /** Tick intervals a probe waits for members that do not answer. */
    static final int WAIT_TICKS = 2;
    private static final long IDLE = Long.MIN_VALUE;

    private final ReplicaState state;
    /** When the probe under way began; {@link #IDLE} if none runs. */
    private long startedAtMs = IDLE;
    /** The regency the probe under way was started in: a later one needs a probe of its own. */
    private int startedInRegency;
    /** The answers received since the probe began, by member. */
    private final Map<Integer, StateReport> answers = new HashMap<>();

    CaughtUpProbe(ReplicaState state) {
        this.state = state;
    }

    /**
     * The members found up and caught up, in increasing order, once the probe has its answers;
     * empty while it waits for them. Starts a probe if none runs; a result is given once, and the
     * next call starts a new probe.
     */
    Optional<List<Integer>> caughtUp(Effects effects) {
        if (startedAtMs == IDLE || startedInRegency != state.regency) {
            startedAtMs = state.nowMs;
            startedInRegency = state.regency;
            answers.clear();
            state.counters.increment(Counter.STATE_QUERY_SENT);
            state.broadcast(effects, new StateQuery(state.id));
            return Optional.empty();
        }
        if (!allAnswered() && state.nowMs < startedAtMs + WAIT_TICKS * state.config.tickIntervalMs()) {
            return Optional.empty();
        }
        List<Integer> found = new ArrayList<>();
        for (int member : state.views.latest().members().stream().sorted().toList()) {
            if (member == state.id || countsAsCaughtUp(answers.get(member))) {
                found.add(member);
            }
        }
        startedAtMs = IDLE;
        answers.clear();
        return Optional.of(found);
    }

    /** True while a probe waits for answers. */
    boolean waiting() {
        return startedAtMs != IDLE;
    }

    /** Records {@code report} if a probe waits for it; true if it was the last answer the probe waited for. */
    boolean onReport(StateReport report) {
        if (startedAtMs == IDLE || !state.views.latest().contains(report.sender())) {
            return false;
        }
        answers.put(report.sender(), report);
        return allAnswered();
    }

    private boolean allAnswered() {
        for (int member : state.views.latest().members()) {
            if (member != state.id && !answers.containsKey(member)) {
                return false;
            }
        }
        return true;
    }

    private boolean countsAsCaughtUp(StateReport report) {
        return report != null && !report.recovering() && report.regency() >= state.regency
                && report.lastDecided() >= state.lastDecided - state.config.decisionLogMax();
    }
}
