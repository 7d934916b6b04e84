package io.phalanx.core.codec;

import io.phalanx.core.crypto.Digests;
import io.phalanx.core.message.Accept;
import io.phalanx.core.message.Batch;
import io.phalanx.core.message.Bytes;
import io.phalanx.core.message.Digest;
import io.phalanx.core.message.Message;
import io.phalanx.core.message.Propose;
import io.phalanx.core.message.Reply;
import io.phalanx.core.message.Request;
import io.phalanx.core.message.RequestKind;
import io.phalanx.core.message.Write;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.List;

import static io.phalanx.core.codec.MessageCodecPropertiesTest.expectFailure;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;

/**
 * Concrete encodings and each specific refusal of the codec.
 *
 * <p>Proves the wire layout byte for byte on golden vectors (a change to them is a wire format
 * change and needs a new version), that concrete messages of every type round-trip, and that
 * each kind of bad input is refused with a {@link CodecException} whose message names the
 * problem — including forged lengths and counts in tiny inputs, which must fail before any
 * allocation of the claimed size.
 */
class MessageCodecTest {
    private static final HexFormat HEX = HexFormat.of();
    private static final Digest DIGEST = Digests.sha256(Bytes.utf8("batch").toArray());

    private final MessageCodec codec = new MessageCodec(1024);

    private static Request request(long clientId, long sequence, String operation) {
        return new Request(clientId, sequence, RequestKind.ORDERED, 3, Bytes.utf8(operation));
    }

    // ---- golden vectors ----------------------------------------------------------------------

    @Test
    void requestHasTheDocumentedLayout() throws CodecException {
        Request request = request(7, 1, "put k v");

        assertThat(HEX.formatHex(codec.encode(request))).isEqualTo(
                "01" + "01"                      // version, tag REQUEST
                        + "0000000000000007"     // clientId
                        + "0000000000000001"     // sequence
                        + "00"                   // kind ORDERED
                        + "0000000000000003"     // viewId
                        + "00000007"             // operation length
                        + "707574206b2076");     // "put k v"
    }

    @Test
    void replyHasTheDocumentedLayout() throws CodecException {
        Reply reply = new Reply(2, 7, 1, RequestKind.UNORDERED, 3, Bytes.utf8("ok"));

        assertThat(HEX.formatHex(codec.encode(reply))).isEqualTo(
                "01" + "02"                      // version, tag REPLY
                        + "00000002"             // sender
                        + "0000000000000007"     // clientId
                        + "0000000000000001"     // sequence
                        + "01"                   // kind UNORDERED
                        + "0000000000000003"     // viewId
                        + "00000002" + "6f6b");  // result "ok"
    }

    @Test
    void proposeHasTheDocumentedLayout() throws CodecException {
        Propose propose = new Propose(1, 5, 0, new Batch(1000, -1, List.of(request(7, 2, ""))));

        assertThat(HEX.formatHex(codec.encode(propose))).isEqualTo(
                "01" + "03"                      // version, tag PROPOSE
                        + "00000001"             // sender
                        + "0000000000000005"     // consensusId
                        + "00000000"             // epoch
                        + "00000000000003e8"     // batch timestampMs
                        + "ffffffffffffffff"     // batch nonce
                        + "00000001"             // request count
                        + "0000000000000007" + "0000000000000002" + "00" + "0000000000000003"
                        + "00000000");           // empty operation
    }

    @Test
    void writeAndAcceptDifferOnlyInTheirTag() throws CodecException {
        byte[] write = codec.encode(new Write(3, 9, 2, DIGEST));
        byte[] accept = codec.encode(new Accept(3, 9, 2, DIGEST));

        assertThat(HEX.formatHex(write)).isEqualTo("01" + "04" + "00000003" + "0000000000000009" + "00000002"
                + DIGEST.value().toHex());
        assertThat(accept[1]).isEqualTo((byte) 5);
        accept[1] = write[1];
        assertThat(accept).isEqualTo(write);
    }

    @Test
    void batchDigestIsSha256OfTheBatchEncoding() {
        Batch batch = new Batch(1000, 42, List.of(request(1, 1, "a"), request(2, 1, "b")));

        assertThat(Digests.ofBatch(batch)).isEqualTo(Digests.sha256(MessageCodec.encodeBatch(batch)));
        assertThat(Digests.ofBatch(new Batch(1000, 42, List.of(request(2, 1, "b"), request(1, 1, "a")))))
                .as("request order is part of the decided value")
                .isNotEqualTo(Digests.ofBatch(batch));
    }

    // ---- round trips of concrete messages ----------------------------------------------------

    @Test
    void concreteMessagesRoundTrip() throws CodecException {
        List<Message> messages = List.of(
                request(Long.MIN_VALUE, Long.MAX_VALUE, ""),
                new Request(-1, 1, RequestKind.UNORDERED, Long.MAX_VALUE, Bytes.copyOf(new byte[300])),
                new Reply(Integer.MIN_VALUE, 0, Long.MIN_VALUE, RequestKind.ORDERED, -1, Bytes.EMPTY),
                new Propose(0, 0, 0, new Batch(0, 0, List.of())),
                new Propose(Integer.MAX_VALUE, Long.MAX_VALUE, Integer.MAX_VALUE,
                        new Batch(Long.MIN_VALUE, Long.MAX_VALUE, List.of(request(1, 1, "x"), request(1, 2, "")))),
                new Write(-1, -1, -1, DIGEST),
                new Accept(4, 1L << 40, 7, new Digest(Bytes.copyOf(new byte[Digest.LENGTH]))));

        for (Message message : messages) {
            assertThat(codec.decode(codec.encode(message))).isEqualTo(message);
        }
    }

    // ---- refusals, one per problem -----------------------------------------------------------

    @Test
    void emptyInputIsTruncated() {
        assertThat(expectFailure(codec, new byte[0])).hasMessageContaining("truncated input");
    }

    @Test
    void truncatedDigestIsRefused() throws CodecException {
        byte[] encoded = codec.encode(new Accept(1, 1, 1, DIGEST));

        assertThat(expectFailure(codec, Arrays.copyOf(encoded, encoded.length - 1)))
                .hasMessageContaining("truncated input").hasMessageContaining("byte string");
    }

    @Test
    void otherVersionsAreRefused() throws CodecException {
        byte[] encoded = codec.encode(request(1, 1, "a"));
        encoded[0] = 2;

        assertThat(expectFailure(codec, encoded)).hasMessage("unsupported wire version 2 (this build speaks 1)");
        encoded[0] = (byte) 0xff;
        assertThat(expectFailure(codec, encoded)).hasMessageContaining("unsupported wire version 255");
    }

    @Test
    void unknownTagsAreRefused() {
        for (int tag : new int[] {0, 6, 127, 255}) {
            assertThat(expectFailure(codec, new byte[] {MessageCodec.VERSION, (byte) tag}))
                    .hasMessage("unknown message type tag " + tag);
        }
    }

    @Test
    void trailingBytesAreRefused() throws CodecException {
        byte[] encoded = codec.encode(new Write(1, 1, 1, DIGEST));
        byte[] withTrailing = Arrays.copyOf(encoded, encoded.length + 3);

        assertThat(expectFailure(codec, withTrailing)).hasMessage("3 trailing bytes after Write");
    }

    @Test
    void unknownRequestKindIsRefused() throws CodecException {
        byte[] encoded = codec.encode(request(1, 1, "a"));
        encoded[2 + 8 + 8] = 2; // the kind byte

        assertThat(expectFailure(codec, encoded)).hasMessage("unknown request kind 2");
    }

    @Test
    void sequenceBelowOneIsRefusedAsAnInvalidField() throws CodecException {
        byte[] encoded = codec.encode(request(1, 1, "a"));
        byte[] zeroSequence = MessageArbitraries.patchInt(encoded, 2 + 8 + 4, 0); // low half of sequence

        assertThat(expectFailure(codec, zeroSequence))
                .hasMessageContaining("invalid field")
                .hasMessageContaining("sequence must be >= 1, got 0")
                .hasCauseInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void invalidRequestInsideAProposalIsRefused() throws CodecException {
        Propose propose = new Propose(0, 1, 0, new Batch(1, 1, List.of(request(1, 1, "a"))));
        byte[] encoded = codec.encode(propose);
        int sequenceLowHalf = 2 + 16 + 20 + 8 + 4;

        assertThat(expectFailure(codec, MessageArbitraries.patchInt(encoded, sequenceLowHalf, 0)))
                .hasMessageContaining("sequence must be >= 1");
    }

    @Test
    void negativeByteStringLengthIsRefused() throws CodecException {
        byte[] encoded = codec.encode(request(1, 1, "a"));

        assertThat(expectFailure(codec, MessageArbitraries.patchInt(encoded, 27, -1)))
                .hasMessage("negative length -1 at offset 27");
    }

    @Test
    void byteStringLongerThanTheInputIsRefused() throws CodecException {
        byte[] encoded = codec.encode(new Reply(0, 1, 1, RequestKind.ORDERED, 0, Bytes.utf8("ok")));

        assertThat(expectFailure(codec, MessageArbitraries.patchInt(encoded, 31, Integer.MAX_VALUE)))
                .hasMessageContaining("truncated input")
                .hasMessageContaining("needs " + Integer.MAX_VALUE + " bytes");
    }

    @Test
    void negativeRequestCountIsRefused() throws CodecException {
        byte[] encoded = codec.encode(new Propose(0, 1, 0, new Batch(1, 1, List.of())));

        assertThat(expectFailure(codec, MessageArbitraries.patchInt(encoded, 34, Integer.MIN_VALUE)))
                .hasMessageContaining("list count " + Integer.MIN_VALUE + " cannot fit");
    }

    /** A 42-byte input claiming 100 million requests must be refused before anything is allocated. */
    @Test
    void hostileRequestCountInATinyInputFailsFast() throws CodecException {
        byte[] encoded = codec.encode(new Propose(0, 1, 0, new Batch(1, 1, List.of())));
        byte[] hostile = MessageArbitraries.patchInt(encoded, 34, 100_000_000);
        MessageCodec unlimited = new MessageCodec(Integer.MAX_VALUE);

        CodecException refusal = assertTimeoutPreemptively(Duration.ofSeconds(5), () -> expectFailure(unlimited, hostile));
        assertThat(refusal).hasMessage("list count 100000000 cannot fit in the 0 bytes left at offset 34");
    }

    @Test
    void hostileByteStringLengthInATinyInputFailsFast() throws CodecException {
        byte[] encoded = codec.encode(request(1, 1, ""));
        byte[] hostile = MessageArbitraries.patchInt(encoded, 27, 100_000_000);
        MessageCodec unlimited = new MessageCodec(Integer.MAX_VALUE);

        CodecException refusal = assertTimeoutPreemptively(Duration.ofSeconds(5), () -> expectFailure(unlimited, hostile));
        assertThat(refusal).hasMessageContaining("truncated input").hasMessageContaining("needs 100000000 bytes");
    }

    @Test
    void oversizedInputIsRefusedBeforeParsing() {
        byte[] input = new byte[1025]; // not even a valid version byte: the size check comes first

        assertThat(expectFailure(codec, input)).hasMessage("message of 1025 bytes is over the maximum of 1024");
    }

    @Test
    void encodingOverTheLimitIsRefused() {
        Request tooBig = new Request(1, 1, RequestKind.ORDERED, 0, Bytes.copyOf(new byte[1024 - 31 + 1]));

        assertThatThrownBy(() -> codec.encode(tooBig))
                .isInstanceOf(CodecException.class)
                .hasMessage("encoded Request is 1025 bytes, over the maximum of 1024");
    }

    @Test
    void encodingExactlyAtTheLimitIsAccepted() throws CodecException {
        Request atLimit = new Request(1, 1, RequestKind.ORDERED, 0, Bytes.copyOf(new byte[1024 - 31]));

        byte[] encoded = codec.encode(atLimit);
        assertThat(encoded).hasSize(1024);
        assertThat(codec.decode(encoded)).isEqualTo(atLimit);
    }

    @Test
    void limitBelowTheSmallestUsefulSizeIsRejected() {
        assertThatThrownBy(() -> new MessageCodec(63))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("messageBytesMax must be >= 64, got 63");
        assertThat(new MessageCodec(64).messageBytesMax()).isEqualTo(64);
    }
}
