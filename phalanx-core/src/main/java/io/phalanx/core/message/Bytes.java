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
    /** The byte string of length zero; also the signature field of an unsigned message. */
    public static final Bytes EMPTY = new Bytes(new byte[0]);

    private final byte[] data;
    private int hash;

    private Bytes(byte[] data) {
        this.data = data;
    }

    /**
     * Copies {@code data}; later changes to the array do not affect the result.
     *
     * @param data the bytes to copy
     * @return a byte string equal to {@code data}
     */
    public static Bytes copyOf(byte[] data) {
        return data.length == 0 ? EMPTY : new Bytes(data.clone());
    }

    /**
     * Copies {@code length} bytes of {@code data} starting at {@code offset}.
     *
     * @param data   the array to copy from
     * @param offset the index of the first byte to copy
     * @param length how many bytes to copy
     * @return a byte string equal to that range
     */
    public static Bytes copyOf(byte[] data, int offset, int length) {
        return length == 0 ? EMPTY : new Bytes(Arrays.copyOfRange(data, offset, offset + length));
    }

    /**
     * The UTF-8 encoding of {@code text}.
     *
     * @param text the text to encode
     * @return its UTF-8 bytes
     */
    public static Bytes utf8(String text) {
        return copyOf(text.getBytes(java.nio.charset.StandardCharsets.UTF_8));
    }

    /**
     * The number of bytes.
     *
     * @return the length of this byte string
     */
    public int length() {
        return data.length;
    }

    /**
     * One byte of the content.
     *
     * @param index the byte's position, from 0 to {@code length() - 1}
     * @return the byte at {@code index}
     */
    public byte get(int index) {
        return data[index];
    }

    /**
     * A fresh copy of the content.
     *
     * @return a new array the caller may change
     */
    public byte[] toArray() {
        return data.clone();
    }

    /**
     * A copy of {@code length} bytes from {@code offset}.
     *
     * @param offset the index of the first byte
     * @param length how many bytes
     * @return the sub-range as a new byte string
     */
    public Bytes slice(int offset, int length) {
        return copyOf(data, offset, length);
    }

    /**
     * Writes the bytes to {@code out} without copying them.
     *
     * @param out the stream to write to
     * @throws java.io.IOException if {@code out} fails to write
     */
    public void writeTo(java.io.OutputStream out) throws java.io.IOException {
        out.write(data);
    }

    /**
     * Copies the content into {@code target} at {@code offset}.
     *
     * @param target the array to copy into; it must have {@code length()} bytes free from {@code offset}
     * @param offset the index in {@code target} of the first byte
     */
    public void copyTo(byte[] target, int offset) {
        System.arraycopy(data, 0, target, offset, data.length);
    }

    /**
     * Decodes the content as UTF-8.
     *
     * @return the text; malformed input becomes replacement characters
     */
    public String toUtf8() {
        return new String(data, java.nio.charset.StandardCharsets.UTF_8);
    }

    /**
     * The content in lower-case hexadecimal.
     *
     * @return two hex digits per byte
     */
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
