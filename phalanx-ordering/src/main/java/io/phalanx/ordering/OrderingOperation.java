package io.phalanx.ordering;

import com.google.protobuf.ByteString;
import io.phalanx.core.message.Bytes;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.Objects;

/**
 * What a frontend asks the ordering service, as the operation of a Phalanx request: order an
 * envelope ({@link Broadcast}, ordered), cut a channel's pending envelopes once its batch
 * timeout passed ({@link TimeToCut}, ordered, so every node cuts at the same point), or read a
 * channel's height ({@link Height}, a read-only query, also answered when ordered), or read a view
 * of the ordering nodes by its id ({@link ViewOf}, likewise), to check the signatures of blocks
 * cut in it. Encoded as a tag byte and the fields.
 */
public sealed interface OrderingOperation {
    /** Tag of {@link Broadcast}. */
    byte BROADCAST = 1;
    /** Tag of {@link TimeToCut}. */
    byte TIME_TO_CUT = 2;
    /** Tag of {@link Height}. */
    byte HEIGHT = 3;
    /** Tag of {@link ViewOf}. */
    byte VIEW_OF = 4;

    /**
     * Orders a Fabric {@code common.Envelope}.
     *
     * @param envelope the envelope's bytes, as the client sent them
     */
    record Broadcast(ByteString envelope) implements OrderingOperation {
        /**
         * Checks the envelope is present.
         *
         * @param envelope the envelope's bytes
         */
        public Broadcast {
            Objects.requireNonNull(envelope, "envelope");
        }
    }

    /**
     * Cuts channel {@code channelId}'s pending envelopes into block {@code blockNumber}, if that is
     * still the next block and its first envelope has waited the channel's batch timeout (in
     * agreed time); otherwise it does nothing, so a late or early request is harmless.
     *
     * @param channelId   the channel
     * @param blockNumber the block the pending envelopes would go into
     */
    record TimeToCut(String channelId, long blockNumber) implements OrderingOperation {
        /**
         * Checks the channel is named.
         *
         * @param channelId   the channel
         * @param blockNumber the block number
         */
        public TimeToCut {
            Objects.requireNonNull(channelId, "channelId");
        }
    }

    /**
     * Reads channel {@code channelId}'s next block number and what is pending ({@link OrderingService.ChannelHeight}).
     *
     * @param channelId the channel
     */
    record Height(String channelId) implements OrderingOperation {
        /**
         * Checks the channel is named.
         *
         * @param channelId the channel
         */
        public Height {
            Objects.requireNonNull(channelId, "channelId");
        }
    }

    /**
     * Reads the view with id {@code viewId}, which decided some of the blocks the service cut
     * (its members sign them): its encoding ({@code MessageCodec.encodeView}), or
     * {@code NOT_FOUND} for a view that decided no block yet.
     *
     * @param viewId the view's id, as a block's signed metadata names it ({@link BlockSignatures#viewId})
     */
    record ViewOf(long viewId) implements OrderingOperation {
    }

    /**
     * This operation's bytes, the request's operation.
     *
     * @return the encoding
     */
    default Bytes encode() {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        try (DataOutputStream out = new DataOutputStream(bytes)) {
            if (this instanceof Broadcast b) {
                out.writeByte(BROADCAST);
                out.writeInt(b.envelope().size());
                b.envelope().writeTo(out);
            } else if (this instanceof TimeToCut t) {
                out.writeByte(TIME_TO_CUT);
                out.writeUTF(t.channelId());
                out.writeLong(t.blockNumber());
            } else if (this instanceof Height h) {
                out.writeByte(HEIGHT);
                out.writeUTF(h.channelId());
            } else if (this instanceof ViewOf v) {
                out.writeByte(VIEW_OF);
                out.writeLong(v.viewId());
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return Bytes.copyOf(bytes.toByteArray());
    }

    /**
     * Decodes {@link #encode}'s bytes.
     *
     * @param operation a request's operation
     * @return the operation
     * @throws IllegalArgumentException if the bytes are no operation of this service; the message says why
     */
    static OrderingOperation decode(Bytes operation) {
        byte[] raw = operation.toArray();
        try (DataInputStream in = new DataInputStream(new ByteArrayInputStream(raw))) {
            int tag = raw.length == 0 ? -1 : in.readUnsignedByte();
            OrderingOperation decoded = switch (tag) {
                case BROADCAST -> {
                    int length = in.readInt();
                    if (length < 0 || length > raw.length - 5) {
                        throw new IllegalArgumentException("an envelope of " + length + " bytes in an operation of "
                                + raw.length);
                    }
                    yield new Broadcast(ByteString.copyFrom(raw, 5, length));
                }
                case TIME_TO_CUT -> new TimeToCut(in.readUTF(), in.readLong());
                case HEIGHT -> new Height(in.readUTF());
                case VIEW_OF -> new ViewOf(in.readLong());
                default -> throw new IllegalArgumentException("unknown ordering operation " + tag);
            };
            long trailing = decoded instanceof Broadcast b ? raw.length - 5L - b.envelope().size() : in.available();
            if (trailing != 0) {
                throw new IllegalArgumentException(trailing + " bytes after the ordering operation");
            }
            return decoded;
        } catch (EOFException e) {
            throw new IllegalArgumentException("a truncated ordering operation", e);
        } catch (IOException e) {
            throw new IllegalArgumentException("an unreadable ordering operation: " + e.getMessage(), e);
        }
    }
}
