package io.phalanx.examples.ledger;

import io.phalanx.core.message.Bytes;

import java.nio.charset.StandardCharsets;

/**
 * What a client asks of the {@link Ledger}, and its encoding: one line of text such as
 * {@code transfer alice bob 30}. Phalanx orders and replicates opaque bytes; the encoding is
 * the service's own business, and any deterministic one will do.
 */
public sealed interface LedgerOperation {

    /** Opens {@code account} with {@code amount} in it; refused if it exists. */
    record Open(String account, long amount) implements LedgerOperation {
        @Override
        public String text() {
            return "open " + account + " " + amount;
        }
    }

    /** Moves {@code amount} from one account to another; refused if {@code from} has less. */
    record Transfer(String from, String to, long amount) implements LedgerOperation {
        @Override
        public String text() {
            return "transfer " + from + " " + to + " " + amount;
        }
    }

    /** The balance of {@code account}: ordered with {@code invoke}, or read with {@code invokeUnordered}. */
    record Balance(String account) implements LedgerOperation {
        @Override
        public String text() {
            return "balance " + account;
        }
    }

    /** The sum of every balance: transfers never change it. */
    record Total() implements LedgerOperation {
        @Override
        public String text() {
            return "total";
        }
    }

    /** The operation as one line of text. */
    String text();

    /** The bytes a client passes to {@code Client.invoke}. */
    default Bytes encode() {
        return Bytes.utf8(text());
    }

    /**
     * Reads an operation back. Anyone holding a client key can send any bytes, so every replica
     * must answer garbage the same way: this throws, and {@link Ledger} turns that into a result.
     *
     * @throws IllegalArgumentException if {@code operation} is not one of the forms above
     */
    static LedgerOperation decode(Bytes operation) {
        String[] words = new String(operation.toArray(), StandardCharsets.UTF_8).split(" ", -1);
        return switch (words[0]) {
            case "open" -> {
                expect(words, 3);
                yield new Open(account(words[1]), amount(words[2]));
            }
            case "transfer" -> {
                expect(words, 4);
                yield new Transfer(account(words[1]), account(words[2]), amount(words[3]));
            }
            case "balance" -> {
                expect(words, 2);
                yield new Balance(account(words[1]));
            }
            case "total" -> {
                expect(words, 1);
                yield new Total();
            }
            default -> throw new IllegalArgumentException("unknown operation '" + words[0] + "'");
        };
    }

    private static void expect(String[] words, int count) {
        if (words.length != count) {
            throw new IllegalArgumentException(words[0] + " takes " + (count - 1) + " arguments");
        }
    }

    private static String account(String word) {
        if (word.isEmpty() || word.length() > Ledger.ACCOUNT_NAME_MAX) {
            throw new IllegalArgumentException("account names have 1 to " + Ledger.ACCOUNT_NAME_MAX + " characters");
        }
        return word;
    }

    private static long amount(String word) {
        long amount = Long.parseLong(word);
        if (amount <= 0 || amount > Ledger.AMOUNT_MAX) {
            throw new IllegalArgumentException("amount out of range: " + word);
        }
        return amount;
    }
}
