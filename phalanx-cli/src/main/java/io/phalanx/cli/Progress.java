package io.phalanx.cli;

import java.io.PrintStream;

/** A one-line progress bar redrawn in place on a terminal (stderr), at most ~10 times a second. */
final class Progress {
    private static final int WIDTH = 40;
    private final PrintStream err;
    private final long total;
    private final long startNanos = System.nanoTime();
    private long done;
    private long lastDrawNanos;

    Progress(PrintStream err, long total) {
        this.err = err;
        this.total = total;
    }

    void advance(int failures) {
        done++;
        long now = System.nanoTime();
        if (done == total || now - lastDrawNanos > 100_000_000L) {
            lastDrawNanos = now;
            int filled = (int) (WIDTH * done / Math.max(1, total));
            double seconds = (now - startNanos) / 1e9;
            err.printf("\r[%s%s] %d/%d seeds  %.0f seeds/s  violations: %d ", "#".repeat(filled),
                    ".".repeat(WIDTH - filled), done, total, done / Math.max(seconds, 1e-3), failures);
            err.flush();
        }
    }

    void finish() {
        err.println();
    }
}
