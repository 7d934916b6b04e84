package io.phalanx.sim.ordering;

import com.google.protobuf.ByteString;
import io.phalanx.core.message.Bytes;
import io.phalanx.ordering.ChannelConfigs;
import io.phalanx.ordering.ChannelLimits;
import io.phalanx.ordering.OrderingOperation;
import io.phalanx.ordering.OrderingService;
import io.phalanx.sim.ClientWorkload;
import org.hyperledger.fabric.protos.common.Status;

import java.util.ArrayDeque;
import java.util.SplittableRandom;

/**
 * One simulated client of the ordering service, doing what a Fabric frontend does for its
 * clients: it broadcasts envelopes on both channels, mostly new ones of varied sizes (small,
 * up to the channel's preferred block size, above it so that they go into a block of their own,
 * and now and then above the absolute limit, which the service refuses), some sent before by
 * itself or another client ({@link SentEnvelopes}); and it reads a channel's height, sending a
 * time-to-cut request for its next block once the first pending envelope has waited the batch
 * timeout by the client's clock (up to {@link #EARLY_MS} early, as a frontend's clock may be
 * ahead of the agreed time, which the service then ignores). Several clients seeing the same
 * height each send the request, as several frontends would. Now and then it sends a config
 * envelope, as a channel administrator would through a frontend: new limits for the channel
 * (envelopes per block and batch timeout; the byte limits stay the run's), which take effect
 * from the block after the config block on every replica alike, or one time in five a config
 * the service refuses ({@code BAD_REQUEST}: no envelope per block).
 */
public final class OrderingWorkload implements ClientWorkload {
    /** How far ahead of the agreed time a client's clock may send a time-to-cut request. */
    static final long EARLY_MS = 20;
    /** Percent of calls that read a channel's height. */
    private static final int HEIGHT_PERCENT = 15;
    /** Percent of calls that send an envelope again. */
    private static final int REPEAT_PERCENT = 10;
    /** Percent of calls that send a config envelope. */
    private static final int CONFIG_PERCENT = 2;

    private final long clientId;
    private final OrderingSetup setup;
    private final SentEnvelopes sent;
    private final int readOnlyPercent;
    /** Time-to-cut requests the heights read call for, sent before anything else. */
    private final ArrayDeque<OrderingOperation.TimeToCut> cutsDue = new ArrayDeque<>();
    private int envelopes;

    /**
     * A client's workload.
     *
     * @param clientId        the client, which names its envelopes' transaction ids
     * @param setup           the run's channels
     * @param sent            the envelopes the run's clients sent last, shared by them
     * @param readOnlyPercent the share of height reads sent as read-only queries
     */
    public OrderingWorkload(long clientId, OrderingSetup setup, SentEnvelopes sent, int readOnlyPercent) {
        this.clientId = clientId;
        this.setup = setup;
        this.sent = sent;
        this.readOnlyPercent = readOnlyPercent;
    }

    @Override
    public Call next(SplittableRandom random) {
        OrderingOperation.TimeToCut due = cutsDue.pollFirst();
        if (due != null) {
            return new Call(due.encode(), false, "TIME-TO-CUT " + due.channelId() + " block " + due.blockNumber());
        }
        String channel = OrderingSetup.CHANNELS.get(random.nextInt(OrderingSetup.CHANNELS.size()));
        int pick = random.nextInt(100);
        if (pick < HEIGHT_PERCENT) {
            boolean readOnly = random.nextInt(100) < readOnlyPercent;
            return new Call(new OrderingOperation.Height(channel).encode(), readOnly, "HEIGHT " + channel);
        }
        ByteString again = pick < HEIGHT_PERCENT + REPEAT_PERCENT ? sent.any(random) : null;
        if (again != null) {
            return new Call(new OrderingOperation.Broadcast(again).encode(), false, "BROADCAST again "
                    + again.size() + " B");
        }
        String txId = "c" + clientId + "-" + envelopes++;
        if (pick >= HEIGHT_PERCENT + REPEAT_PERCENT && pick < HEIGHT_PERCENT + REPEAT_PERCENT + CONFIG_PERCENT) {
            return config(random, channel, txId);
        }
        byte[] data = new byte[dataBytes(random, setup.limits(channel))];
        random.nextBytes(data);
        ByteString envelope = SimEnvelopes.transaction(channel, txId, data);
        sent.add(envelope);
        return new Call(new OrderingOperation.Broadcast(envelope).encode(), false, "BROADCAST " + channel + " " + txId
                + " " + envelope.size() + " B");
    }

    /** A config envelope: new limits for the channel, or one time in five limits the service refuses. */
    private Call config(SplittableRandom random, String channel, String txId) {
        ChannelLimits limits = setup.limits(channel);
        boolean valid = random.nextInt(5) != 0;
        int maxMessageCount = valid ? 1 + random.nextInt(10) : 0;
        long batchTimeoutMs = 20 + random.nextInt(281);
        ByteString envelope = SimEnvelopes.config(channel, txId, ChannelConfigs.batchConfig(maxMessageCount,
                limits.absoluteMaxBytes(), limits.preferredMaxBytes(), batchTimeoutMs + "ms"));
        sent.add(envelope);
        return new Call(new OrderingOperation.Broadcast(envelope).encode(), false, "CONFIG " + channel + " " + txId
                + " maxMessageCount " + maxMessageCount + " batchTimeout " + batchTimeoutMs + " ms");
    }

    /** Mostly small, some up to the preferred block size, a few above it, one in fifty above the absolute limit. */
    private static int dataBytes(SplittableRandom random, ChannelLimits limits) {
        int pick = random.nextInt(50);
        int preferred = limits.preferredMaxBytes();
        if (pick == 0) {
            return limits.absoluteMaxBytes() + random.nextInt(256);
        } else if (pick < 4) {
            return preferred + random.nextInt(limits.absoluteMaxBytes() - preferred - 128);
        } else if (pick < 15) {
            return preferred / 4 + random.nextInt(preferred * 3 / 4);
        }
        return 16 + random.nextInt(preferred / 4);
    }

    @Override
    public void completed(Bytes operation, Bytes result, long nowMs) {
        if (!(OrderingOperation.decode(operation) instanceof OrderingOperation.Height height)) {
            return;
        }
        OrderingService.ChannelHeight answer;
        try {
            answer = OrderingService.ChannelHeight.decode(result);
        } catch (IllegalArgumentException e) {
            return; // a refusal, not a height
        }
        if (answer.pending() > 0 && nowMs + EARLY_MS >= answer.firstPendingAtMs() + answer.batchTimeoutMs()) {
            cutsDue.addLast(new OrderingOperation.TimeToCut(height.channelId(), answer.nextBlock()));
        }
    }

    @Override
    public String describeResult(Bytes result) {
        return describe(result);
    }

    /**
     * An ordering result in words: a status and its reason, or a channel height.
     *
     * @param result a call's or an execution's result
     * @return its rendering
     */
    public static String describe(Bytes result) {
        try {
            OrderingService.Result decoded = OrderingService.Result.decode(result);
            if (decoded.status() != Status.UNKNOWN) {
                return decoded.status() + (decoded.info().isEmpty() ? "" : " (" + decoded.info() + ")");
            }
        } catch (IllegalArgumentException e) {
            // not a status: a height, or bytes of neither
        }
        if (result.length() == 28) { // a height begins with the block number's high half, which no status is
            OrderingService.ChannelHeight height = OrderingService.ChannelHeight.decode(result);
            return "height next=" + height.nextBlock() + " pending=" + height.pending() + " since "
                    + height.firstPendingAtMs() + " ms";
        }
        return result.toString();
    }
}
