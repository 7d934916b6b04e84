package io.phalanx.cli;

import java.io.PrintStream;

/**
 * Progress of a long run on stderr: on a terminal a one-line bar redrawn in place at most ~10
 * times a second; when stderr is redirected (CI logs, files) one plain line every 10 %.
 */
final class Progress {
    private static final int WIDTH = 40;
    private final PrintStream err;
    private final long total;
    private final boolean terminal;
    private final long startNanos = System.nanoTime();
    private long done;
    private long lastDrawNanos;
    private long lastTenth;

    Progress(PrintStream err, long total) {
        this(err, total, System.console() != null);
    }

    Progress(PrintStream err, long total, boolean terminal) {
        this.err = err;
        this.total = total;
        this.terminal = terminal;
    }

    void advance(int failures) {
        done++;
        long now = System.nanoTime();
        double rate = done / Math.max((now - startNanos) / 1e9, 1e-3);
        if (!terminal) {
            long tenth = 10 * done / Math.max(1, total);
            if (tenth > lastTenth || done == total) {
                lastTenth = tenth;
                err.printf("%d/%d seeds  %.0f seeds/s  violations: %d%n", done, total, rate, failures);
            }
            return;
        }
        if (done == total || now - lastDrawNanos > 100_000_000L) {
            lastDrawNanos = now;
            int filled = (int) (WIDTH * done / Math.max(1, total));
            err.printf("\r[%s%s] %d/%d seeds  %.0f seeds/s  violations: %d ", "#".repeat(filled),
                    ".".repeat(WIDTH - filled), done, total, rate, failures);
            err.flush();
        }
    }

    void finish() {
        if (terminal) {
            err.println();
        }
    }
}
