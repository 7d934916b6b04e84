package io.phalanx.core.message;

import java.util.Objects;

/**
 * A SHA-256 digest. Replicas vote on digests of batches rather than on batches themselves, so
 * WRITE and ACCEPT stay small whatever the batch size.
 *
 * @param value the 32 digest bytes
 */
public record Digest(Bytes value) implements Comparable<Digest> {
    /** The length of a SHA-256 digest in bytes. */
    public static final int LENGTH = 32;

    /**
     * Checks that the value has {@link #LENGTH} bytes.
     *
     * @param value the 32 digest bytes
     * @throws IllegalArgumentException if the value has another length
     */
    public Digest {
        Objects.requireNonNull(value, "value");
        if (value.length() != LENGTH) {
            throw new IllegalArgumentException("digest must be " + LENGTH + " bytes, got " + value.length());
        }
    }

    @Override
    public int compareTo(Digest other) {
        return value.compareTo(other.value);
    }

    @Override
    public String toString() {
        return value.toHex().substring(0, 12);
    }
}
