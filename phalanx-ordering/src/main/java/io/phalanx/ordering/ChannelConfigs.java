package io.phalanx.ordering;

import com.google.protobuf.ByteString;
import com.google.protobuf.InvalidProtocolBufferException;
import org.hyperledger.fabric.protos.common.Config;
import org.hyperledger.fabric.protos.common.ConfigEnvelope;
import org.hyperledger.fabric.protos.common.ConfigGroup;
import org.hyperledger.fabric.protos.common.ConfigValue;
import org.hyperledger.fabric.protos.orderer.BatchSize;
import org.hyperledger.fabric.protos.orderer.BatchTimeout;

import java.math.BigDecimal;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The channel parameters a Fabric config envelope sets for the ordering service: the
 * {@code Orderer} group's {@code BatchSize} and {@code BatchTimeout} values, read from the
 * envelope's {@code ConfigEnvelope}. A config block takes effect from the block after it, on
 * every node alike, since it is ordered like any envelope. {@link #batchConfig} writes such
 * an envelope's data, for tools and tests that change a channel's limits.
 */
public final class ChannelConfigs {
    /** The config group that holds the ordering service's values. */
    static final String ORDERER_GROUP = "Orderer";
    /** The value that sets the batch size. */
    static final String BATCH_SIZE = "BatchSize";
    /** The value that sets the batch timeout. */
    static final String BATCH_TIMEOUT = "BatchTimeout";
    /** A Go duration, as Fabric writes {@code BatchTimeout}: numbers with units, e.g. {@code 2s}, {@code 1m30s}, {@code 250ms}. */
    private static final Pattern DURATION_PART = Pattern.compile("(\\d+(?:\\.\\d+)?)(ms|us|µs|ns|h|m|s)");

    private ChannelConfigs() {
    }

    /**
     * The data of a config envelope whose {@code Orderer} group sets the batch size and timeout,
     * as Fabric's configtxlator writes them; the values are not checked here, so an invalid one
     * can be sent (the nodes refuse it with {@code BAD_REQUEST}).
     *
     * @param maxMessageCount   envelopes per block at most
     * @param absoluteMaxBytes  the largest envelope ordered
     * @param preferredMaxBytes a block's envelope bytes at most, but for one larger envelope alone
     * @param batchTimeout      a Go duration, e.g. {@code 2s} or {@code 250ms}
     * @return an encoded {@code ConfigEnvelope}, the payload data of a {@code CONFIG} envelope
     */
    public static ByteString batchConfig(int maxMessageCount, int absoluteMaxBytes, int preferredMaxBytes,
                                         String batchTimeout) {
        ConfigGroup orderer = ConfigGroup.newBuilder()
                .putValues(BATCH_SIZE, ConfigValue.newBuilder().setValue(BatchSize.newBuilder()
                        .setMaxMessageCount(maxMessageCount).setAbsoluteMaxBytes(absoluteMaxBytes)
                        .setPreferredMaxBytes(preferredMaxBytes).build().toByteString()).build())
                .putValues(BATCH_TIMEOUT, ConfigValue.newBuilder().setValue(BatchTimeout.newBuilder()
                        .setTimeout(batchTimeout).build().toByteString()).build())
                .build();
        return ConfigEnvelope.newBuilder().setConfig(Config.newBuilder().setSequence(1)
                .setChannelGroup(ConfigGroup.newBuilder().putGroups(ORDERER_GROUP, orderer))).build().toByteString();
    }

    /**
     * A channel's limits after it ordered {@code envelope}: those a valid config envelope sets,
     * otherwise {@code current} (a transaction, a malformed envelope, a config the nodes refuse).
     * For readers of a chain that follow its limits block by block.
     *
     * @param envelope an envelope of the channel's blocks
     * @param current  the channel's limits before it
     * @return its limits after it
     */
    public static ChannelLimits limitsAfter(ByteString envelope, ChannelLimits current) {
        try {
            Envelopes.Header header = Envelopes.header(envelope);
            return header.config() ? limits(header.data(), current) : current;
        } catch (Envelopes.MalformedEnvelopeException | IllegalArgumentException e) {
            return current;
        }
    }

    /**
     * Whether {@code envelope} is a config envelope (which the blockcutter puts in a block of its own).
     *
     * @param envelope an envelope
     * @return true for a well-formed {@code CONFIG} envelope
     */
    public static boolean isConfig(ByteString envelope) {
        try {
            return Envelopes.header(envelope).config();
        } catch (Envelopes.MalformedEnvelopeException e) {
            return false;
        }
    }

    /**
     * The limits a config envelope's data sets, starting from {@code current} (values it does not set stay).
     *
     * @param configEnvelope the payload data of a config envelope: an encoded {@code ConfigEnvelope}
     * @param current        the channel's limits now
     * @return the limits from the block after the config block on
     * @throws IllegalArgumentException if the data is no config envelope or a value is invalid; the message says which
     */
    static ChannelLimits limits(ByteString configEnvelope, ChannelLimits current) {
        ConfigEnvelope envelope;
        try {
            envelope = ConfigEnvelope.parseFrom(configEnvelope);
        } catch (InvalidProtocolBufferException e) {
            throw new IllegalArgumentException("the config envelope cannot be read: " + e.getMessage(), e);
        }
        ConfigGroup orderer = envelope.getConfig().getChannelGroup().getGroupsMap().get(ORDERER_GROUP);
        if (orderer == null) {
            return current;
        }
        int maxMessageCount = current.maxMessageCount();
        int absoluteMaxBytes = current.absoluteMaxBytes();
        int preferredMaxBytes = current.preferredMaxBytes();
        long batchTimeoutMs = current.batchTimeoutMs();
        try {
            ConfigValue size = orderer.getValuesMap().get(BATCH_SIZE);
            if (size != null) {
                BatchSize batch = BatchSize.parseFrom(size.getValue());
                maxMessageCount = batch.getMaxMessageCount();
                absoluteMaxBytes = batch.getAbsoluteMaxBytes();
                preferredMaxBytes = batch.getPreferredMaxBytes();
            }
            ConfigValue timeout = orderer.getValuesMap().get(BATCH_TIMEOUT);
            if (timeout != null) {
                batchTimeoutMs = durationMs(BatchTimeout.parseFrom(timeout.getValue()).getTimeout());
            }
        } catch (InvalidProtocolBufferException e) {
            throw new IllegalArgumentException("an Orderer value cannot be read: " + e.getMessage(), e);
        }
        try {
            return new ChannelLimits(maxMessageCount, absoluteMaxBytes, preferredMaxBytes, batchTimeoutMs);
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("the config sets invalid batch limits: " + e.getMessage(), e);
        }
    }

    /**
     * Milliseconds of a Go duration such as {@code 2s}, {@code 1m30s} or {@code 250ms}, rounded down.
     *
     * @param duration the duration's text
     * @return its length in milliseconds
     * @throws IllegalArgumentException if it is no duration
     */
    static long durationMs(String duration) {
        Matcher part = DURATION_PART.matcher(duration);
        BigDecimal totalMs = BigDecimal.ZERO;
        int at = 0;
        while (part.find() && part.start() == at) {
            BigDecimal amount = new BigDecimal(part.group(1));
            BigDecimal unitMs = switch (part.group(2)) {
                case "h" -> BigDecimal.valueOf(3_600_000);
                case "m" -> BigDecimal.valueOf(60_000);
                case "s" -> BigDecimal.valueOf(1_000);
                case "ms" -> BigDecimal.ONE;
                case "us", "µs" -> new BigDecimal("0.001");
                default -> new BigDecimal("0.000001");
            };
            totalMs = totalMs.add(amount.multiply(unitMs));
            at = part.end();
        }
        if (duration.isEmpty() || at != duration.length()) {
            throw new IllegalArgumentException("'" + duration + "' is no duration (e.g. 2s, 500ms, 1m30s)");
        }
        return totalMs.longValue();
    }
}
