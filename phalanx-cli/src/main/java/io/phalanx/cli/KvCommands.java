package io.phalanx.cli;

import io.phalanx.core.message.Bytes;
import io.phalanx.kv.KvOperation;
import io.phalanx.kv.KvResult;
import io.phalanx.runtime.Client;

import java.util.List;
import java.util.Optional;

/**
 * The key-value commands shared by {@code phalanx client}'s one-shot mode and its shell:
 * parsing {@code put K V}, {@code get K}, {@code del K}, {@code cas K EXPECTED NEW},
 * {@code incr K [DELTA]} into operations, and printing results for people.
 */
final class KvCommands {
    static final String HELP = "  put KEY VALUE           set KEY to VALUE (prints the previous value)\n"
            + "  get KEY                 read KEY (quorum read; ordered if replicas disagree)\n"
            + "  del KEY                 delete KEY (prints the value it had)\n"
            + "  cas KEY EXPECTED NEW    set KEY to NEW if it is EXPECTED ('-': if absent)\n"
            + "  incr KEY [DELTA]        add DELTA (default 1) to the counter KEY, print it";

    /** A command line that is not a valid operation. */
    static final class UsageException extends Exception {
        UsageException(String message) {
            super(message);
        }
    }

    private KvCommands() {
    }

    static KvOperation parse(List<String> words) throws UsageException {
        if (words.isEmpty()) {
            throw new UsageException("no operation given");
        }
        String verb = words.get(0).toLowerCase();
        List<String> args = words.subList(1, words.size());
        try {
            return switch (verb) {
                case "put" -> new KvOperation.Put(arg(args, 0, 2, verb), args.get(1));
                case "get" -> new KvOperation.Get(arg(args, 0, 1, verb));
                case "del", "delete" -> new KvOperation.Delete(arg(args, 0, 1, verb));
                case "cas" -> new KvOperation.Cas(arg(args, 0, 3, verb),
                        args.get(1).equals("-") ? Optional.empty() : Optional.of(args.get(1)), args.get(2));
                case "incr" -> incr(args);
                default -> throw new UsageException("unknown operation '" + words.get(0) + "'; try help");
            };
        } catch (IllegalArgumentException e) {
            throw new UsageException(verb + ": " + e.getMessage());
        }
    }

    private static KvOperation incr(List<String> args) throws UsageException {
        if (args.isEmpty() || args.size() > 2) {
            throw new UsageException("usage: incr KEY [DELTA]");
        }
        try {
            long delta = args.size() == 2 ? Long.parseLong(args.get(1)) : 1;
            return new KvOperation.Incr(args.get(0), delta);
        } catch (NumberFormatException e) {
            throw new UsageException("incr: DELTA must be an integer, got '" + args.get(1) + "'");
        }
    }

    private static String arg(List<String> args, int index, int count, String verb) throws UsageException {
        if (args.size() != count) {
            throw new UsageException(verb + " takes " + count + " argument" + (count == 1 ? "" : "s")
                    + ", got " + args.size() + "; try help");
        }
        return args.get(index);
    }

    /** Runs {@code operation}: read-only ones on the unordered path, the others ordered. */
    static KvResult run(Client client, KvOperation operation) {
        Bytes op = operation.encode();
        Bytes result = operation.readOnly() ? client.invokeUnordered(op) : client.invoke(op);
        return KvResult.decode(result);
    }

    /** The result as a person wants to read it. */
    static String describe(KvOperation operation, KvResult result) {
        if (result instanceof KvResult.Value v) {
            String value = v.value().map(s -> "'" + s + "'").orElse("(absent)");
            if (operation instanceof KvOperation.Get) {
                return v.value().orElse("(absent)");
            }
            return operation instanceof KvOperation.Put ? "OK (was " + value + ")" : "deleted (was " + value + ")";
        }
        if (result instanceof KvResult.Counter c) {
            return Long.toString(c.value());
        }
        return result.toString();
    }
}
