package io.phalanx.core.replica;

import io.phalanx.core.codec.CodecException;
import io.phalanx.core.codec.MessageCodec;
import io.phalanx.core.message.Batch;
import io.phalanx.core.message.Request;
import io.phalanx.core.message.RequestKind;
import io.phalanx.core.view.ViewHistory;

/**
 * The administrator's requests: ordered requests from {@link ReplicaConfig#adminClientId} whose
 * operation is an encoded view change. The ordering layer ({@link Decisions}) and the execution
 * layer ({@link ServiceExecutor}) apply each decided one to their own copy of the view history,
 * with this same code, so both reach the same outcome: the core to check votes against the right
 * view, the executor to answer the administrator and to put the history in checkpoints.
 */
final class Administration {
    private Administration() {
    }

    /** Whether {@code request} is an administrator's, which the service never sees. */
    static boolean isAdmin(ReplicaConfig config, Request request) {
        return isAdmin(config.adminClientId(), request);
    }

    /** Whether {@code request} is from administrator {@code adminClientId} (-1: there is none). */
    static boolean isAdmin(long adminClientId, Request request) {
        return adminClientId >= 0 && request.clientId() == adminClientId && request.kind() == RequestKind.ORDERED;
    }

    /**
     * What the administrator's {@code request}, decided in {@code consensusId} in {@code batch},
     * does to {@code views}: the batch names the regency whose leader the new view keeps and the
     * members that leader found caught up.
     */
    static ViewHistory.Outcome apply(ViewHistory views, long consensusId, Request request, Batch batch,
                                     int instanceWindowMax) {
        try {
            return views.apply(consensusId, MessageCodec.decodeViewChange(request.operation().toArray()),
                    batch.regency(), batch.caughtUp(), instanceWindowMax);
        } catch (CodecException e) {
            return ViewHistory.Outcome.refused("not a view change: " + e.getMessage());
        }
    }
}
