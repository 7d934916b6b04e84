package io.phalanx.runtime;

import io.netty.util.concurrent.EventExecutor;
import io.phalanx.runtime.transport.ClientPortServer;
import io.phalanx.runtime.transport.ClientTransport;
import io.phalanx.runtime.transport.Outbox;
import io.phalanx.runtime.transport.ReplicaMesh;
import org.junit.jupiter.api.Test;

import java.lang.reflect.Field;
import java.lang.reflect.Modifier;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Executor;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * A replica and a client are assembled one way: each part gets the parts it talks to when it is
 * built, in final fields, so none starts with a placeholder (a sender that drops everything, a
 * listener that ignores everything) that a later call replaces. Checked on the fields of the
 * replica's and the client's parts: a field that is not final may hold state (counters, flags,
 * snapshots), never a callback, an executor or another part of the runtime.
 */
class WiringTest {
    private static final List<Class<?>> PARTS = List.of(Replica.class, ProtocolLoop.class, LogLoop.class,
            LogQueue.class, ExecutionLoop.class, ExecutionQueue.class, Outbox.class, ReplicaMesh.class,
            ClientPortServer.class, classOf("io.phalanx.runtime.transport.Connections"),
            classOf("io.phalanx.runtime.transport.NettyNode"), classOf("io.phalanx.runtime.transport.OutboundLink"),
            Client.class, ClientLoop.class, ClientCounters.class, ClientMeters.class, ClientTransport.class);

    @Test
    void everyPartOfAReplicaOrAClientHoldsTheOthersInFinalFields() {
        List<String> lateBound = new ArrayList<>();
        for (Class<?> part : PARTS) {
            for (Field field : part.getDeclaredFields()) {
                if (!Modifier.isFinal(field.getModifiers()) && !Modifier.isStatic(field.getModifiers())
                        && isCollaborator(field.getType())) {
                    lateBound.add(part.getSimpleName() + "." + field.getName() + " (" + field.getType().getName() + ")");
                }
            }
        }
        assertThat(lateBound).as("fields that could be bound after construction").isEmpty();
    }

    @Test
    void theCheckSeesALateBoundSender() {
        assertThat(isCollaborator(Runnable.class)).isTrue();
        assertThat(isCollaborator(java.util.function.LongConsumer.class)).isTrue();
        assertThat(isCollaborator(EventExecutor.class)).isTrue();
        assertThat(isCollaborator(Outbox.class)).isTrue();
        assertThat(isCollaborator(ReplicaStatus.Core.class)).isFalse(); // a snapshot, published by each step
        assertThat(isCollaborator(Throwable.class)).isFalse();
    }

    /** A callback, an executor, or a part of the runtime (its records are values, not parts). */
    private static boolean isCollaborator(Class<?> type) {
        if (type.isPrimitive() || type.isRecord()) {
            return false;
        }
        boolean callback = type.isAnnotationPresent(FunctionalInterface.class)
                || type.getPackageName().equals("java.util.function");
        boolean runtimePart = type.getPackageName().startsWith("io.phalanx.runtime");
        return callback || runtimePart || Executor.class.isAssignableFrom(type);
    }

    private static Class<?> classOf(String name) {
        try {
            return Class.forName(name);
        } catch (ClassNotFoundException e) {
            throw new IllegalStateException(e);
        }
    }
}
