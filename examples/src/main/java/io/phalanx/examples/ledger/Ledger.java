package io.phalanx.examples.ledger;

import io.phalanx.core.message.Bytes;
import io.phalanx.core.service.ExecutionContext;
import io.phalanx.core.service.Service;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.Map;
import java.util.TreeMap;

/**
 * A bank ledger replicated by Phalanx: accounts with balances, and transfers that never
 * overdraw one. The whole service is this class; {@code Replica.builder().service(new Ledger())}
 * makes it fault tolerant.
 *
 * <p>What Phalanx asks of a {@link Service}: determinism. Every correct replica executes the
 * same operations in the same order and must compute the same results and the same state, so
 * nothing here reads a clock, a random source or a hash order (a {@link TreeMap}, not a
 * HashMap, so the snapshot's bytes are the same on every replica), and bad input gets an
 * answer rather than an exception that one replica might throw and another not.
 *
 * <p>Results are one line of text: {@code OK <balance>} (the balance of the account named
 * first, after the operation) or {@code REFUSED <why>}.
 */
public final class Ledger implements Service {
    /** Amounts above this are refused, so no sum of at most {@link #ACCOUNTS_MAX} balances overflows. */
    public static final long AMOUNT_MAX = 1L << 40;
    /** Every map has a bound: opening more accounts is refused. */
    public static final int ACCOUNTS_MAX = 100_000;
    /** Longer account names are refused. */
    public static final int ACCOUNT_NAME_MAX = 64;

    private final TreeMap<String, Long> balances = new TreeMap<>();

    @Override
    public Bytes execute(Bytes operation, ExecutionContext context) {
        LedgerOperation op;
        try {
            op = LedgerOperation.decode(operation);
        } catch (IllegalArgumentException malformed) {
            return refused(malformed.getMessage());
        }
        if (op instanceof LedgerOperation.Open open) {
            return open(open);
        }
        if (op instanceof LedgerOperation.Transfer transfer) {
            return transfer(transfer);
        }
        return read(op);
    }

    @Override
    public Bytes query(Bytes operation) {
        try {
            return read(LedgerOperation.decode(operation));
        } catch (IllegalArgumentException malformed) {
            return refused(malformed.getMessage());
        }
    }

    private Bytes open(LedgerOperation.Open open) {
        if (balances.containsKey(open.account())) {
            return refused("account " + open.account() + " exists");
        }
        if (balances.size() >= ACCOUNTS_MAX) {
            return refused("too many accounts");
        }
        balances.put(open.account(), open.amount());
        return ok(open.amount());
    }

    private Bytes transfer(LedgerOperation.Transfer transfer) {
        Long from = balances.get(transfer.from());
        Long to = balances.get(transfer.to());
        if (from == null || to == null) {
            return refused("no account " + (from == null ? transfer.from() : transfer.to()));
        }
        if (transfer.from().equals(transfer.to())) {
            return refused("transfer to the same account");
        }
        if (from < transfer.amount()) {
            return refused("insufficient funds");
        }
        balances.put(transfer.from(), from - transfer.amount());
        balances.put(transfer.to(), to + transfer.amount());
        return ok(from - transfer.amount());
    }

    /** Balance and total change nothing, so they are answered alike whether ordered or not. */
    private Bytes read(LedgerOperation op) {
        if (op instanceof LedgerOperation.Balance balance) {
            Long amount = balances.get(balance.account());
            return amount == null ? refused("no account " + balance.account()) : ok(amount);
        }
        if (op instanceof LedgerOperation.Total) {
            return ok(balances.values().stream().mapToLong(Long::longValue).sum());
        }
        return refused("not a read: " + op.text());
    }

    @Override
    public Bytes snapshot() {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        try (DataOutputStream out = new DataOutputStream(bytes)) {
            out.writeInt(balances.size());
            for (Map.Entry<String, Long> account : balances.entrySet()) {
                out.writeUTF(account.getKey());
                out.writeLong(account.getValue());
            }
        } catch (IOException impossible) {
            throw new UncheckedIOException(impossible);
        }
        return Bytes.copyOf(bytes.toByteArray());
    }

    @Override
    public void restore(Bytes snapshot) {
        balances.clear();
        try (DataInputStream in = new DataInputStream(new ByteArrayInputStream(snapshot.toArray()))) {
            int count = in.readInt();
            for (int i = 0; i < count; i++) {
                balances.put(in.readUTF(), in.readLong());
            }
        } catch (IOException e) {
            throw new UncheckedIOException("not a ledger snapshot", e);
        }
    }

    private static Bytes ok(long balance) {
        return Bytes.utf8("OK " + balance);
    }

    private static Bytes refused(String why) {
        return Bytes.utf8("REFUSED " + why);
    }
}
