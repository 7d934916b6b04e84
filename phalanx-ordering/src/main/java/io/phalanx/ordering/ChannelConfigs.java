package io.phalanx.ordering;

import com.google.protobuf.ByteString;
import com.google.protobuf.InvalidProtocolBufferException;
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
 * every node alike, since it is ordered like any envelope.
 */
final class ChannelConfigs {
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
