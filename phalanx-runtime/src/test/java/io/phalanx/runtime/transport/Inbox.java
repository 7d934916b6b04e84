package io.phalanx.runtime.transport;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.BooleanSupplier;

/** Records what a transport delivers, for assertions from the test thread. */
class Inbox implements FrameHandler, ClientFrameHandler {
    record Received(long from, String text) {
    }

    final List<Received> frames = new CopyOnWriteArrayList<>();
    final Set<Long> up = ConcurrentHashMap.newKeySet();
    final List<Long> downs = new CopyOnWriteArrayList<>();

    @Override
    public void onFrame(int replicaId, byte[] frame) {
        frames.add(new Received(replicaId, new String(frame, StandardCharsets.UTF_8)));
    }

    @Override
    public void onPeerUp(int replicaId) {
        up.add((long) replicaId);
    }

    @Override
    public void onPeerDown(int replicaId) {
        up.remove((long) replicaId);
        downs.add((long) replicaId);
    }

    @Override
    public void onFrame(long clientId, byte[] frame) {
        frames.add(new Received(clientId, new String(frame, StandardCharsets.UTF_8)));
    }

    @Override
    public void onClientUp(long clientId) {
        up.add(clientId);
    }

    @Override
    public void onClientDown(long clientId) {
        up.remove(clientId);
        downs.add(clientId);
    }

    boolean has(long from, String text) {
        return frames.contains(new Received(from, text));
    }

    static byte[] bytes(String text) {
        return text.getBytes(StandardCharsets.UTF_8);
    }

    /** Polls {@code condition} until it holds or {@code limit} passes. */
    static void await(String what, Duration limit, BooleanSupplier condition) {
        long deadline = System.nanoTime() + limit.toNanos();
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() > deadline) {
                throw new AssertionError("timed out after " + limit.toMillis() + " ms waiting for: " + what);
            }
            try {
                Thread.sleep(10);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new AssertionError("interrupted waiting for: " + what);
            }
        }
    }

    static void await(String what, BooleanSupplier condition) {
        await(what, Duration.ofSeconds(10), condition);
    }
}
