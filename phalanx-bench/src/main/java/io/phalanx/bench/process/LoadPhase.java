package io.phalanx.bench.process;

import java.util.List;

/**
 * One phase of a load-generator run: {@code outstanding} closed-loop operations for
 * {@code warmupSeconds} unmeasured and then {@code durationSeconds} measured seconds. Its results
 * go to the folder {@code name} under the run's output folder. On the command line a phase is
 * {@code NAME:OUTSTANDING:WARMUP:DURATION}.
 *
 * @param name            the phase's folder name: letters, digits, '.', '_' or '-'
 * @param outstanding     operations kept in flight, at least 1
 * @param warmupSeconds   unmeasured seconds first
 * @param durationSeconds measured seconds after them
 */
public record LoadPhase(String name, int outstanding, int warmupSeconds, int durationSeconds) {

    /**
     * Checks that the name is a plain folder name and the phase lasts at least a second.
     *
     * @param name            the phase's folder name
     * @param outstanding     operations kept in flight, at least 1
     * @param warmupSeconds   unmeasured seconds, at least 0
     * @param durationSeconds measured seconds, at least 0; with the warm-up at least 1
     * @throws IllegalArgumentException if a check fails
     */
    public LoadPhase {
        if (!name.matches("[A-Za-z0-9._-]+")) {
            throw new IllegalArgumentException("a phase name is letters, digits, '.', '_' or '-'; got '" + name + "'");
        }
        if (outstanding < 1 || warmupSeconds < 0 || durationSeconds < 0 || warmupSeconds + durationSeconds < 1) {
            throw new IllegalArgumentException("phase " + name + ": needs outstanding >= 1 and at least one second");
        }
    }

    /**
     * Parses a phase as the command line gives it.
     *
     * @param spec {@code NAME:OUTSTANDING:WARMUP:DURATION}, e.g. {@code load-10:10:5:60}
     * @return the phase
     * @throws IllegalArgumentException if {@code spec} is not of that form or the phase is invalid
     */
    public static LoadPhase parse(String spec) {
        String[] parts = spec.split(":");
        if (parts.length != 4) {
            throw new IllegalArgumentException("a phase is NAME:OUTSTANDING:WARMUP:DURATION, e.g. load-10:10:5:60; got "
                    + spec);
        }
        try {
            return new LoadPhase(parts[0], Integer.parseInt(parts[1]), Integer.parseInt(parts[2]),
                    Integer.parseInt(parts[3]));
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("a phase is NAME:OUTSTANDING:WARMUP:DURATION; not a number in " + spec);
        }
    }

    String spec() {
        return name + ":" + outstanding + ":" + warmupSeconds + ":" + durationSeconds;
    }

    int seconds() {
        return warmupSeconds + durationSeconds;
    }

    static int outstandingMax(List<LoadPhase> phases) {
        return phases.stream().mapToInt(LoadPhase::outstanding).max().orElse(1);
    }
}
