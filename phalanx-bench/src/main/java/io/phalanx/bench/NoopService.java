package io.phalanx.bench;

import io.phalanx.core.message.Bytes;
import io.phalanx.core.service.ExecutionContext;
import io.phalanx.core.service.Service;

/**
 * The benchmark service: does nothing and answers every operation with {@code replyBytes}
 * zero bytes, so a benchmark measures the replication library and not an application. Its only
 * state is how many operations it executed.
 */
public final class NoopService implements Service {
    private final Bytes reply;
    private long executed;

    /**
     * A service that answers every operation with {@code replyBytes} zero bytes.
     *
     * @param replyBytes the size of every result, at least 0
     */
    public NoopService(int replyBytes) {
        if (replyBytes < 0) {
            throw new IllegalArgumentException("replyBytes must be >= 0, got " + replyBytes);
        }
        this.reply = Bytes.copyOf(new byte[replyBytes]);
    }

    @Override
    public Bytes execute(Bytes operation, ExecutionContext context) {
        executed++;
        return reply;
    }

    @Override
    public Bytes query(Bytes operation) {
        return reply;
    }

    @Override
    public Bytes snapshot() {
        return Bytes.utf8(Long.toString(executed));
    }

    @Override
    public void restore(Bytes snapshot) {
        executed = Long.parseLong(snapshot.toUtf8());
    }
}
