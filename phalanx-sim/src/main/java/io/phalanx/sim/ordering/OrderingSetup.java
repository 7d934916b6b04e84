package io.phalanx.sim.ordering;

import io.phalanx.core.service.RequestVerifier;
import io.phalanx.ordering.ChannelLimits;
import io.phalanx.ordering.OrderingService;
import io.phalanx.sim.SimConfig;

import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.TreeMap;

/**
 * The ordering service as a simulation run configures it: two channels whose blockcutter limits
 * are drawn from the seed, so that blocks are cut by count, by bytes and by the batch timeout, and
 * a dedup window above every envelope the run's clients can send.
 *
 * <p>The limits come from a generator of their own ({@code seed ^ SALT}): the run's other
 * parameters, drawn by {@link SimConfig#randomized}, are those of the same seed under the
 * key-value service.
 *
 * @param limits      each channel's limits, by channel id
 * @param dedupWindow how many of a channel's last envelopes the service recognises a repeat of
 */
public record OrderingSetup(Map<String, ChannelLimits> limits, int dedupWindow) {
    /** The channels every run orders on. */
    public static final List<String> CHANNELS = List.of("alpha", "beta");
    /**
     * The Byzantine client's envelopes count toward the dedup window as well: it acts at most
     * 40 times, and this leaves room to spare.
     */
    private static final int DEDUP_WINDOW_SPARE = 1_024;
    private static final long SALT = 0x0AD3_7196_F0CAL;

    /**
     * Copies the limits.
     *
     * @param limits      each channel's limits
     * @param dedupWindow the dedup window, at least 1
     */
    public OrderingSetup {
        limits = Map.copyOf(limits);
        if (dedupWindow < 1) {
            throw new IllegalArgumentException("dedupWindow must be >= 1, got " + dedupWindow);
        }
    }

    /**
     * The setup of {@code config}'s run: per channel at most 2 to 10 envelopes a block, 1 to 4 KiB
     * preferred (twice that absolute), a batch timeout of 20 to 300 ms.
     *
     * @param config the run
     * @return its setup; the same for every replica and client of the run
     */
    public static OrderingSetup of(SimConfig config) {
        SplittableRandom random = new SplittableRandom(config.seed() ^ SALT);
        Map<String, ChannelLimits> limits = new TreeMap<>();
        for (String channel : CHANNELS) {
            int preferred = 1_024 + random.nextInt(3_073);
            limits.put(channel, new ChannelLimits(2 + random.nextInt(9), 2 * preferred, preferred,
                    20 + random.nextInt(281)));
        }
        return new OrderingSetup(limits, config.clients() * config.operationsPerClient() + DEDUP_WINDOW_SPARE);
    }

    /**
     * A new service ordering the channels from an empty state.
     *
     * @param listener where its blocks go
     * @return the service
     */
    public OrderingService newService(OrderingService.BlockListener listener) {
        Map<String, OrderingService.Channel> channels = new TreeMap<>();
        limits.forEach((id, channelLimits) -> channels.put(id, new OrderingService.Channel(channelLimits, null)));
        return new OrderingService(channels, dedupWindow, listener);
    }

    /**
     * The proposal check ordering nodes run ({@link OrderingService#admits}): a request holding no
     * ordering operation, or a broadcast of no envelope, is refused.
     *
     * @return the verifier
     */
    public RequestVerifier verifier() {
        OrderingService admission = newService(cut -> {
            throw new IllegalStateException("the admission check cuts no block");
        });
        return request -> admission.admits(request.operation());
    }

    /**
     * A channel's limits.
     *
     * @param channelId one of {@link #CHANNELS}
     * @return its limits
     */
    public ChannelLimits limits(String channelId) {
        return limits.get(channelId);
    }
}
