package io.phalanx.core.message;

import java.util.Arrays;
import java.util.HexFormat;

/**
 * An immutable byte string with value semantics.
 *
 * <p>Messages are records, and records compare arrays by reference; wrapping every byte array in
 * {@code Bytes} gives messages value equality ({@code decode(encode(m)).equals(m)}) and makes it
 * impossible for a caller to mutate a message after it was hashed or signed.
 */
public final class Bytes implements Comparable<Bytes> {
    public static final Bytes EMPTY = new Bytes(new byte[0]);

    private final byte[] data;
    private int hash;

    private Bytes(byte[] data) {
        this.data = data;
    }

    /** Copies {@code data}; later changes to the array do not affect the result. */
    public static Bytes copyOf(byte[] data) {
        return data.length == 0 ? EMPTY : new Bytes(data.clone());
    }

    /** Copies {@code length} bytes of {@code data} starting at {@code offset}. */
    public static Bytes copyOf(byte[] data, int offset, int length) {
        return length == 0 ? EMPTY : new Bytes(Arrays.copyOfRange(data, offset, offset + length));
    }

    /** The UTF-8 encoding of {@code text}. */
    public static Bytes utf8(String text) {
        return copyOf(text.getBytes(java.nio.charset.StandardCharsets.UTF_8));
    }

    public int length() {
        return data.length;
    }

    public byte get(int index) {
        return data[index];
    }

    /** A fresh copy of the content. */
    public byte[] toArray() {
        return data.clone();
    }

    /** A copy of {@code length} bytes from {@code offset}. */
    public Bytes slice(int offset, int length) {
        return copyOf(data, offset, length);
    }

    /** Copies the content into {@code target} at {@code offset}. */
    /** Writes the bytes to {@code out} without copying them. */
    public void writeTo(java.io.OutputStream out) throws java.io.IOException {
        out.write(data);
    }

    public void copyTo(byte[] target, int offset) {
        System.arraycopy(data, 0, target, offset, data.length);
    }

    public String toUtf8() {
        return new String(data, java.nio.charset.StandardCharsets.UTF_8);
    }

    public String toHex() {
        return HexFormat.of().formatHex(data);
    }

    @Override
    public boolean equals(Object other) {
        return other instanceof Bytes that && Arrays.equals(data, that.data);
    }

    @Override
    public int hashCode() {
        int h = hash;
        if (h == 0) {
            h = Arrays.hashCode(data);
            hash = h;
        }
        return h;
    }

    @Override
    public int compareTo(Bytes other) {
        return Arrays.compareUnsigned(data, other.data);
    }

    @Override
    public String toString() {
        return data.length <= 16 ? "0x" + toHex() : "0x" + HexFormat.of().formatHex(data, 0, 8) + "..(" + data.length + "B)";
    }
}
