package io.phalanx.bench.process;

import java.util.Locale;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Byte counts as people type them: {@code 1048576}, {@code 512k}, {@code 64m}, {@code 1g}
 * (binary multiples, as the JVM's {@code -Xmx} reads them; an optional {@code b} or {@code ib}
 * after the letter is accepted, so {@code 64MiB} works too).
 */
public final class ByteSize {
    private static final Pattern SIZE = Pattern.compile("(\\d+)\\s*([kmgt]?)(i?b)?");

    private ByteSize() {
    }

    /**
     * The number of bytes {@code text} names.
     *
     * @param text a byte count such as {@code 1048576}, {@code 512k} or {@code 64MiB}
     * @return the count in bytes
     * @throws IllegalArgumentException saying why if {@code text} names no count or too large a one
     */
    public static long parse(String text) {
        Matcher m = SIZE.matcher(text.trim().toLowerCase(Locale.ROOT));
        if (!m.matches()) {
            throw new IllegalArgumentException("not a byte count: '" + text + "' (e.g. 1048576, 512k, 64m, 1g)");
        }
        int shift = switch (m.group(2)) {
            case "k" -> 10;
            case "m" -> 20;
            case "g" -> 30;
            case "t" -> 40;
            default -> 0;
        };
        long number;
        try {
            number = Long.parseLong(m.group(1));
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("byte count too large: '" + text + "'");
        }
        if (number > Long.MAX_VALUE >> shift) {
            throw new IllegalArgumentException("byte count too large: '" + text + "'");
        }
        return number << shift;
    }

    /**
     * A byte count in MiB, for messages.
     *
     * @param bytes the count
     * @return e.g. {@code 64.0 MiB}, one decimal
     */
    public static String mib(long bytes) {
        return String.format(Locale.ROOT, "%.1f MiB", bytes / (double) (1 << 20));
    }
}
