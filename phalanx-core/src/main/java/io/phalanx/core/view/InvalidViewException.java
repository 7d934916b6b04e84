package io.phalanx.core.view;

/** Thrown when a view's parameters cannot work together; the message says what is wrong. */
public final class InvalidViewException extends IllegalArgumentException {
    /**
     * An exception for an unworkable view.
     *
     * @param message which parameter is wrong and what it needs
     */
    public InvalidViewException(String message) {
        super(message);
    }
}
