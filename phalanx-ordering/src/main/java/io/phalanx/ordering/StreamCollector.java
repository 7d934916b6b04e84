package io.phalanx.ordering;

import io.grpc.stub.StreamObserver;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

/**
 * What a gRPC stream answered, collected until it ended (completed or failed).
 *
 * @param <T> the answers' type
 */
final class StreamCollector<T> implements StreamObserver<T> {
    private final List<T> received = Collections.synchronizedList(new ArrayList<>());
    private final CountDownLatch ended = new CountDownLatch(1);
    private volatile Throwable error;

    @Override
    public void onNext(T value) {
        received.add(value);
        wake();
    }

    private synchronized void wake() {
        notifyAll();
    }

    @Override
    public void onError(Throwable t) {
        error = t;
        ended.countDown();
        wake();
    }

    @Override
    public void onCompleted() {
        ended.countDown();
        wake();
    }

    /** Waits for the end; true if it came within {@code timeoutMs}. */
    boolean awaitEnd(long timeoutMs) throws InterruptedException {
        return ended.await(timeoutMs, TimeUnit.MILLISECONDS);
    }

    /** Waits until the stream ended or {@code count} answers came; true if either happened within {@code timeoutMs}. */
    synchronized boolean awaitEndOr(int count, long timeoutMs) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(timeoutMs);
        while (ended.getCount() > 0 && received.size() < count) {
            long left = deadline - System.nanoTime();
            if (left <= 0) {
                return false;
            }
            TimeUnit.NANOSECONDS.timedWait(this, left);
        }
        return true;
    }

    /** Why the stream failed, or null if it did not (or not yet). */
    Throwable error() {
        return error;
    }

    /** What came so far. */
    List<T> received() {
        synchronized (received) {
            return List.copyOf(received);
        }
    }
}
