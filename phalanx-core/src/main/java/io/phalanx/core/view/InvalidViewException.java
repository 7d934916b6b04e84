package io.phalanx.core.view;

/** Thrown when a view's parameters cannot work together; the message says what is wrong. */
public final class InvalidViewException extends IllegalArgumentException {
    public InvalidViewException(String message) {
        super(message);
    }
}
