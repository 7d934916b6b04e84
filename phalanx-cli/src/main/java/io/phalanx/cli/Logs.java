package io.phalanx.cli;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import org.slf4j.LoggerFactory;

/**
 * Turns the library's INFO lines off for commands that print their own story (the demo, the
 * client shell, {@code bench state-transfer}) and back on afterwards. Only the CLI touches logback directly; the library
 * logs through SLF4J.
 */
public final class Logs {
    private static final String LIBRARY = "io.phalanx";

    private Logs() {
    }

    /**
     * Raises the library's level to WARN.
     *
     * @return the level to restore, or null if nothing changed (logging is not logback)
     */
    public static Level quiet() {
        if (!(LoggerFactory.getLogger(LIBRARY) instanceof Logger logger)) {
            return null;
        }
        Level previous = logger.getLevel();
        logger.setLevel(Level.WARN);
        return previous == null ? Level.INFO : previous;
    }

    /**
     * Sets the library's level back to what {@link #quiet()} found.
     *
     * @param previous what {@link #quiet()} returned; null does nothing
     */
    public static void restore(Level previous) {
        if (previous != null && LoggerFactory.getLogger(LIBRARY) instanceof Logger logger) {
            logger.setLevel(previous);
        }
    }
}
