package io.phalanx.ordering;

import com.google.protobuf.ByteString;
import com.google.protobuf.InvalidProtocolBufferException;
import org.hyperledger.fabric.protos.common.ChannelHeader;
import org.hyperledger.fabric.protos.common.Envelope;
import org.hyperledger.fabric.protos.common.HeaderType;
import org.hyperledger.fabric.protos.common.Payload;

/**
 * What the ordering service reads from a Fabric {@code common.Envelope}: its channel and
 * whether it is a config envelope, which Fabric orders in a block of its own.
 */
final class Envelopes {
    private Envelopes() {
    }

    /**
     * An envelope's header as the service needs it.
     *
     * @param channelId the channel it is for
     * @param type      its {@code HeaderType} number
     * @param txId      its transaction id, possibly empty
     * @param data      the payload's data (for a config envelope, its {@code ConfigEnvelope})
     */
    record Header(String channelId, int type, String txId, ByteString data) {
        /** Whether it goes alone into its block: a config envelope, or an orderer transaction. */
        boolean alone() {
            return type == HeaderType.CONFIG_VALUE || type == HeaderType.ORDERER_TRANSACTION_VALUE;
        }

        /** Whether it is a config envelope, whose data may set the channel's batch limits. */
        boolean config() {
            return type == HeaderType.CONFIG_VALUE;
        }
    }

    /**
     * Parses the channel header of {@code envelope}.
     *
     * @param envelope an envelope's bytes
     * @return its header
     * @throws MalformedEnvelopeException if it is no envelope, has no payload header or no channel id; the message says which
     */
    static Header header(ByteString envelope) throws MalformedEnvelopeException {
        try {
            Envelope parsed = Envelope.parseFrom(envelope);
            if (parsed.getPayload().isEmpty()) {
                throw new MalformedEnvelopeException("the envelope has no payload");
            }
            Payload payload = Payload.parseFrom(parsed.getPayload());
            if (!payload.hasHeader() || payload.getHeader().getChannelHeader().isEmpty()) {
                throw new MalformedEnvelopeException("the payload has no channel header");
            }
            ChannelHeader channel = ChannelHeader.parseFrom(payload.getHeader().getChannelHeader());
            if (channel.getChannelId().isEmpty()) {
                throw new MalformedEnvelopeException("the channel header names no channel");
            }
            return new Header(channel.getChannelId(), channel.getType(), channel.getTxId(), payload.getData());
        } catch (InvalidProtocolBufferException e) {
            throw new MalformedEnvelopeException("not a protobuf envelope: " + e.getMessage());
        }
    }

    /** An envelope the service cannot order; the message says why. */
    static final class MalformedEnvelopeException extends Exception {
        private static final long serialVersionUID = 1L;

        MalformedEnvelopeException(String message) {
            super(message);
        }
    }
}
