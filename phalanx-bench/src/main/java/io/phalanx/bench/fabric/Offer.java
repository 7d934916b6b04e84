package io.phalanx.bench.fabric;

import com.google.protobuf.ByteString;
import io.grpc.stub.StreamObserver;
import org.HdrHistogram.Histogram;
import org.hyperledger.fabric.protos.common.Envelope;
import org.hyperledger.fabric.protos.common.Status;
import org.hyperledger.fabric.protos.orderer.AtomicBroadcastGrpc;
import org.hyperledger.fabric.protos.orderer.BroadcastResponse;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Queue;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.Semaphore;
import java.util.concurrent.atomic.AtomicLong;

/**
 * A load offered through a {@link FabricClient}: broadcast streams spread over its frontends
 * (stream i to frontend i mod their number), each envelope to the next stream in turn.
 * <ul>
 * <li><b>Paced</b> (open loop, a rate): envelope k is due k / rate seconds after the start and
 * its latency counts from then, so time it waited behind a slow service is part of it.</li>
 * <li><b>Saturating</b> (closed loop, rate 0): {@link Shape#window} envelopes unanswered at all
 * times, a new one sent as each is answered; latency counts from the send.</li>
 * </ul>
 * A paced load too stops sending while {@code window} envelopes are unanswered, so its memory
 * stays bounded; those due meanwhile go out late, with their latency still counted from when they
 * were due. The caller drives it: {@link #sendDue} from one thread, as often as it likes (every
 * millisecond or so), then {@link #finish} and {@link #awaitSettled}.
 */
public final class Offer {
    /** Upper bound of the latency histogram: an hour, in microseconds. */
    private static final long LATENCY_MICROS_MAX = 3_600_000_000L;
    /**
     * A window for paced loads: unanswered envelopes beyond which a paced load waits (20,000,
     * 80 MB of 4 kB envelopes), so a rate far above what the service orders cannot fill the heap.
     */
    public static final int PACED_WINDOW = 20_000;
    /** Width of the decimal sequence number in transaction ids, which keeps every envelope of a load the same size. */
    private static final int SEQUENCE_DIGITS = 10;

    /**
     * What to offer.
     *
     * @param txIdPrefix    starts every transaction id, unique per load (the sequence number follows)
     * @param dataBytes     payload data of each envelope ({@link FabricEnvelopes#dataBytesFor})
     * @param ratePerSecond envelopes per second, or 0 to saturate (closed loop)
     * @param window        envelopes unanswered at most (the closed loop keeps this many)
     * @param streams       broadcast streams, spread over the frontends
     */
    public record Shape(String txIdPrefix, int dataBytes, int ratePerSecond, int window, int streams) {
        /** The fastest rate offered: a million envelopes a second. */
        public static final int RATE_MAX = 1_000_000;

        /**
         * Checks the bounds.
         *
         * @param txIdPrefix    starts every transaction id
         * @param dataBytes     payload data of each envelope, at least 0
         * @param ratePerSecond 0 to {@link #RATE_MAX}
         * @param window        at least 1
         * @param streams       at least 1
         */
        public Shape {
            if (dataBytes < 0 || ratePerSecond < 0 || ratePerSecond > RATE_MAX || window < 1 || streams < 1) {
                throw new IllegalArgumentException("an offer needs dataBytes >= 0, ratePerSecond 0.." + RATE_MAX
                        + ", window >= 1 and streams >= 1; got " + dataBytes + ", " + ratePerSecond + ", " + window
                        + ", " + streams);
            }
        }

        /**
         * The transaction id of every envelope's shape, for {@link FabricEnvelopes#dataBytesFor}.
         *
         * @param txIdPrefix the load's prefix
         * @return a transaction id as long as each of the load's
         */
        public static String sampleTxId(String txIdPrefix) {
            return txId(txIdPrefix, 0);
        }

        private static String txId(String prefix, long sequence) {
            return prefix + String.format(Locale.ROOT, "%0" + SEQUENCE_DIGITS + "d", sequence);
        }
    }

    private final FabricClient client;
    private final Shape shape;
    private final long startNanos;
    private final long measuredFromNanos;
    private final ByteString data;
    /** Room in the window: a permit per envelope that may still be sent before an answer comes. */
    private final Semaphore room;
    private final List<Stream> streams = new ArrayList<>();
    private final Histogram latencyMicros = new Histogram(LATENCY_MICROS_MAX, 3);
    private final AtomicLong acknowledged = new AtomicLong();
    private final AtomicLong refused = new AtomicLong();
    private final AtomicLong failed = new AtomicLong();
    private final AtomicLong deliveredCount = new AtomicLong();
    /** Sent and neither delivered nor given up (refused, or on a stream that failed). */
    private final AtomicLong open = new AtomicLong();
    private long sent;
    private int nextStream;
    private boolean finished;

    Offer(FabricClient client, Shape shape, long startNanos, long measuredFromNanos) {
        this.client = client;
        this.shape = shape;
        this.startNanos = startNanos;
        this.measuredFromNanos = measuredFromNanos;
        this.data = ByteString.copyFrom(new byte[shape.dataBytes()]);
        this.room = new Semaphore(shape.window());
        for (int i = 0; i < shape.streams(); i++) {
            Stream stream = new Stream(i % client.frontendCount());
            stream.requests = AtomicBroadcastGrpc.newStub(client.frontend(stream.frontend)).broadcast(stream);
            streams.add(stream);
        }
    }

    /**
     * Sends what is due by {@code nowNanos}: paced, the envelopes due by then; saturating, as many
     * as the window has room for. Never blocks.
     *
     * @param nowNanos {@link System#nanoTime} now
     * @return how many it sent
     */
    public synchronized int sendDue(long nowNanos) {
        int count = 0;
        while (!finished) {
            long dueAt = nowNanos;
            if (shape.ratePerSecond() > 0) {
                if (sent >= (nowNanos - startNanos) * shape.ratePerSecond() / 1_000_000_000L) {
                    break;
                }
                dueAt = startNanos + sent * 1_000_000_000L / shape.ratePerSecond();
            }
            Stream stream = nextLiveStream();
            if (stream == null || !room.tryAcquire()) {
                break;
            }
            send(stream, dueAt);
            count++;
        }
        return count;
    }

    private void send(Stream stream, long dueAtNanos) {
        String txId = Shape.txId(shape.txIdPrefix(), sent);
        Envelope envelope = FabricEnvelopes.envelope(client.channel(), txId, data);
        sent++;
        open.incrementAndGet();
        client.sent(txId, new FabricClient.Pending(this, stream.frontend, dueAtNanos, dueAtNanos >= measuredFromNanos));
        stream.unanswered.add(txId);
        try {
            stream.requests.onNext(envelope);
        } catch (RuntimeException e) {
            stream.onError(e);
        }
        if (stream.broken) {
            stream.failUnanswered(); // it may have failed between the check and the add
        }
    }

    private Stream nextLiveStream() {
        for (int tried = 0; tried < streams.size(); tried++) {
            Stream stream = streams.get(nextStream);
            nextStream = (nextStream + 1) % streams.size();
            if (!stream.broken) {
                return stream;
            }
        }
        return null;
    }

    /** Stops sending and half-closes every stream; answers still due keep coming. */
    public synchronized void finish() {
        if (finished) {
            return;
        }
        finished = true;
        for (Stream stream : streams) {
            try {
                stream.requests.onCompleted();
            } catch (RuntimeException e) {
                // the stream already failed
            }
        }
    }

    /**
     * Waits until every envelope sent was answered and every one acknowledged was delivered, for at most {@code max}.
     *
     * @param max the longest wait
     * @return whether it settled
     * @throws InterruptedException if interrupted while waiting
     */
    public boolean awaitSettled(Duration max) throws InterruptedException {
        long deadline = System.nanoTime() + max.toNanos();
        while (!settled()) {
            if (System.nanoTime() >= deadline) {
                return false;
            }
            Thread.sleep(10);
        }
        return true;
    }

    private boolean settled() {
        return acknowledged.get() + refused.get() + failed.get() >= sent() && open.get() == 0;
    }

    void delivered(FabricClient.Pending envelope, long atNanos) {
        deliveredCount.incrementAndGet();
        open.decrementAndGet();
        if (envelope.measured()) {
            synchronized (latencyMicros) {
                latencyMicros.recordValue(Math.min(LATENCY_MICROS_MAX, Math.max(0, (atNanos - envelope.sentAtNanos()) / 1_000)));
            }
        }
    }

    private void givenUp(String txId) {
        if (client.forget(txId)) {
            open.decrementAndGet();
        }
    }

    /**
     * Envelopes sent so far.
     *
     * @return the count
     */
    public synchronized long sent() {
        return sent;
    }

    /**
     * Envelopes answered {@code SUCCESS}.
     *
     * @return the count
     */
    public long acknowledged() {
        return acknowledged.get();
    }

    /**
     * Envelopes answered with another status.
     *
     * @return the count
     */
    public long refused() {
        return refused.get();
    }

    /**
     * Envelopes unanswered when their stream failed.
     *
     * @return the count
     */
    public long failed() {
        return failed.get();
    }

    /**
     * Envelopes delivered by the frontend they were broadcast through.
     *
     * @return the count
     */
    public long delivered() {
        return deliveredCount.get();
    }

    /**
     * Envelopes sent and neither delivered nor given up (refused or failed): after
     * {@link #awaitSettled} ran out, the ones lost or still on their way.
     *
     * @return the count
     */
    public long undelivered() {
        return open.get();
    }

    /**
     * The latencies, broadcast to delivery, of the envelopes due from the measured start on.
     *
     * @return a copy, in microseconds
     */
    public Histogram latencyMicros() {
        synchronized (latencyMicros) {
            return latencyMicros.copy();
        }
    }

    /** One broadcast stream; its answers come in the order its envelopes went. */
    private final class Stream implements StreamObserver<BroadcastResponse> {
        private final int frontend;
        /** Transaction ids sent and not answered yet, oldest first. */
        private final Queue<String> unanswered = new ConcurrentLinkedQueue<>();
        private StreamObserver<Envelope> requests;
        private volatile boolean broken;

        Stream(int frontend) {
            this.frontend = frontend;
        }

        @Override
        public void onNext(BroadcastResponse response) {
            String txId = unanswered.poll();
            if (txId == null) {
                client.problem("frontend " + frontend + " answered an envelope it was not sent");
                return;
            }
            room.release();
            if (response.getStatus() == Status.SUCCESS) {
                acknowledged.incrementAndGet();
            } else {
                refused.incrementAndGet();
                givenUp(txId);
                client.problem("frontend " + frontend + " refused " + txId + ": " + response.getStatus() + " "
                        + response.getInfo());
            }
        }

        @Override
        public void onError(Throwable t) {
            broken = true;
            client.problem("the broadcast stream to frontend " + frontend + " failed: " + t.getMessage());
            failUnanswered();
        }

        @Override
        public void onCompleted() {
            broken = true;
            failUnanswered();
        }

        private void failUnanswered() {
            for (String txId = unanswered.poll(); txId != null; txId = unanswered.poll()) {
                failed.incrementAndGet();
                room.release();
                givenUp(txId);
            }
        }
    }
}
