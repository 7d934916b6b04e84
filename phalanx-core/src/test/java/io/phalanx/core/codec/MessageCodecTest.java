package io.phalanx.core.codec;

import io.phalanx.core.crypto.Digests;
import io.phalanx.core.message.Accept;
import io.phalanx.core.message.Batch;
import io.phalanx.core.message.Bytes;
import io.phalanx.core.message.Checkpoint;
import io.phalanx.core.message.Decision;
import io.phalanx.core.message.DecisionFetch;
import io.phalanx.core.message.DecisionPush;
import io.phalanx.core.message.Digest;
import io.phalanx.core.message.Forward;
import io.phalanx.core.message.Message;
import io.phalanx.core.message.Propose;
import io.phalanx.core.message.Refusal;
import io.phalanx.core.message.Reply;
import io.phalanx.core.message.Request;
import io.phalanx.core.message.RequestKind;
import io.phalanx.core.message.Stop;
import io.phalanx.core.message.StopData;
import io.phalanx.core.message.Sync;
import io.phalanx.core.message.Write;
import io.phalanx.core.message.VoteHistory;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.ArrayList;
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
    private static final io.phalanx.core.view.ViewHistory VIEWS =
            io.phalanx.core.view.ViewHistory.of(io.phalanx.core.view.View.of(0, 4, 1, io.phalanx.core.view.Mode.BFT));

    private static final HexFormat HEX = HexFormat.of();
    private static final Digest DIGEST = Digests.sha256(Bytes.utf8("batch").toArray());

    private final MessageCodec codec = new MessageCodec(1024);

    private static Request request(long clientId, long sequence, String operation) {
        return new Request(clientId, sequence, RequestKind.ORDERED, 3, Bytes.utf8(operation));
    }

    // ---- golden vectors ----------------------------------------------------------------------
    //
    // The expected bytes are written out by hand from the format: version 5, a type tag, then the
    // fields in declaration order; integers big-endian and fixed-width, byte strings as a 4-byte
    // length and the bytes, lists as a 4-byte count and the items, optional parts behind a
    // presence byte (00 absent, 01 present), signatures last.

    /** A digest whose hex is easy to write out by hand: 32 bytes of 0xab. */
    private static final Digest AB = new Digest(Bytes.copyOf(filled(Digest.LENGTH, (byte) 0xab)));
    private static final String AB_HEX = "ab".repeat(Digest.LENGTH);
    /** 32 bytes of 0xcd. */
    private static final Digest CD = new Digest(Bytes.copyOf(filled(Digest.LENGTH, (byte) 0xcd)));
    private static final String CD_HEX = "cd".repeat(Digest.LENGTH);

    /** The encoding of {@code request(7, 1, "")} nested in a list: 33 bytes. */
    private static final String REQUEST_7_1_EMPTY_HEX =
            "0000000000000007" + "0000000000000001" + "00" + "0000000000000003" + "00000000" + "00000000";

    private static byte[] filled(int length, byte value) {
        byte[] b = new byte[length];
        Arrays.fill(b, value);
        return b;
    }

    private String hex(Message message) throws CodecException {
        return HEX.formatHex(codec.encode(message));
    }

    @Test
    void requestHasTheDocumentedLayout() throws CodecException {
        Request request = request(7, 1, "put k v");

        assertThat(hex(request)).isEqualTo(
                "0a" + "01"                      // version, tag REQUEST
                        + "0000000000000007"     // clientId
                        + "0000000000000001"     // sequence
                        + "00"                   // kind ORDERED
                        + "0000000000000003"     // viewId
                        + "00000007"             // operation length
                        + "707574206b2076"       // "put k v"
                        + "00000000");           // empty signature (unsigned request)
    }

    @Test
    void signedRequestCarriesItsSignatureLast() throws CodecException {
        Request request = new Request(7, 1, RequestKind.UNORDERED, 3, Bytes.utf8("get"), Bytes.utf8("sig"));

        assertThat(hex(request)).isEqualTo(
                "0a" + "01"                      // version, tag REQUEST
                        + "0000000000000007"     // clientId
                        + "0000000000000001"     // sequence
                        + "01"                   // kind UNORDERED
                        + "0000000000000003"     // viewId
                        + "00000003" + "676574"  // operation "get"
                        + "00000003" + "736967"); // signature "sig"
    }

    @Test
    void refusalHasTheDocumentedLayout() throws CodecException {
        Refusal refusal = new Refusal(2, 7, (3L << 32) + 1, Refusal.Reason.SESSION_UNKNOWN, 9);

        assertThat(hex(refusal)).isEqualTo(
                "0a" + "10"                      // version, tag REFUSAL
                        + "00000002"             // sender
                        + "0000000000000007"     // clientId
                        + "0000000300000001"     // sequence: session 3, number 1
                        + "01"                   // reason SESSION_UNKNOWN
                        + "0000000000000009"     // the refusing replica's view
                        + "00000000");           // no view carried
        assertThat(codec.decode(codec.encode(refusal))).isEqualTo(refusal);
    }

    @Test
    void anOutdatedRefusalCarriesTheViewItNames() throws CodecException {
        io.phalanx.core.view.View view = io.phalanx.core.view.View.of(9, 4, 1, io.phalanx.core.view.Mode.BFT);
        Refusal refusal = new Refusal(2, 7, 1, Refusal.Reason.VIEW_OUTDATED, 9, Bytes.copyOf(MessageCodec.encodeView(view)));
        Refusal decoded = (Refusal) codec.decode(codec.encode(refusal));
        assertThat(decoded).isEqualTo(refusal);
        assertThat(MessageCodec.decodeView(decoded.view().toArray())).isEqualTo(view);
    }

    @Test
    void viewsAndAdministrationResultsRoundTrip() throws CodecException {
        io.phalanx.core.view.View view = new io.phalanx.core.view.View(5, java.util.List.of(3, 0, 7), 1,
                io.phalanx.core.view.Mode.CFT, java.util.Map.of(3, Bytes.utf8("k3"), 7, Bytes.utf8("k7")),
                java.util.Map.of(0, new io.phalanx.core.view.Addresses("h:1", "h:2")));
        assertThat(MessageCodec.decodeView(MessageCodec.encodeView(view))).isEqualTo(view);
        assertThat(MessageCodec.encodeView(MessageCodec.decodeView(MessageCodec.encodeView(view))))
                .isEqualTo(MessageCodec.encodeView(view)); // canonical
        io.phalanx.core.view.AdminResult installed = io.phalanx.core.view.AdminResult.installed(70, view);
        io.phalanx.core.view.AdminResult refused = io.phalanx.core.view.AdminResult.refused("one change at a time");
        assertThat(MessageCodec.decodeAdminResult(MessageCodec.encodeAdminResult(installed))).isEqualTo(installed);
        assertThat(MessageCodec.decodeAdminResult(MessageCodec.encodeAdminResult(refused))).isEqualTo(refused);
        byte[] truncated = java.util.Arrays.copyOf(MessageCodec.encodeView(view), 20);
        assertThatThrownBy(() -> MessageCodec.decodeView(truncated)).isInstanceOf(CodecException.class);
    }

    @Test
    void replyHasTheDocumentedLayout() throws CodecException {
        Reply reply = new Reply(2, 7, 1, RequestKind.UNORDERED, 3, 5, Bytes.utf8("ok"));

        assertThat(hex(reply)).isEqualTo(
                "0a" + "02"                      // version, tag REPLY
                        + "00000002"             // sender
                        + "0000000000000007"     // clientId
                        + "0000000000000001"     // sequence
                        + "01"                   // kind UNORDERED
                        + "0000000000000003"     // viewId
                        + "00000005"             // regency
                        + "00000002" + "6f6b"    // result "ok"
                        + "00");                 // digest-only: no, a full result
    }

    @Test
    void hashedReplyHasTheDocumentedLayout() throws CodecException {
        Reply reply = new Reply(2, 7, 1, RequestKind.ORDERED, 3, 5, Bytes.copyOf(new byte[] {(byte) 0xab, (byte) 0xcd}), true);

        assertThat(hex(reply)).isEqualTo(
                "0a" + "02"                      // version, tag REPLY
                        + "00000002"             // sender
                        + "0000000000000007"     // clientId
                        + "0000000000000001"     // sequence
                        + "00"                   // kind ORDERED
                        + "0000000000000003"     // viewId
                        + "00000005"             // regency
                        + "00000002" + "abcd"    // result (a digest; the codec does not check its length)
                        + "01");                 // digest-only: yes
    }

    @Test
    void proposeHasTheDocumentedLayout() throws CodecException {
        Propose propose = new Propose(1, 5, 2, new Batch(1000, -1, 2, List.of(request(7, 2, ""))));

        assertThat(hex(propose)).isEqualTo(
                "0a" + "03"                      // version, tag PROPOSE
                        + "00000001"             // sender
                        + "0000000000000005"     // consensusId
                        + "00000002"             // epoch
                        + "00000000000003e8"     // batch timestampMs
                        + "ffffffffffffffff"     // batch nonce
                        + "00000002"             // batch regency
                        + "00000001"             // request count
                        + "0000000000000007" + "0000000000000002" + "00" + "0000000000000003"
                        + "00000000"             // empty operation
                        + "00000000"             // empty signature
                        + "00000000");           // batch: no caught-up members named
    }

    @Test
    void writeHasTheDocumentedLayout() throws CodecException {
        Write write = new Write(3, 9, 2, AB);

        assertThat(hex(write)).isEqualTo(
                "0a" + "04"                      // version, tag WRITE
                        + "00000003"             // sender
                        + "0000000000000009"     // consensusId
                        + "00000002"             // epoch
                        + AB_HEX);               // batch digest, 32 bytes, no length prefix; no signature
    }

    @Test
    void acceptIsAWriteWithASignature() throws CodecException {
        byte[] write = codec.encode(new Write(3, 9, 2, AB));
        byte[] accept = codec.encode(new Accept(3, 9, 2, AB, Bytes.utf8("sg")));

        assertThat(HEX.formatHex(accept)).isEqualTo("0a" + "05" + "00000003" + "0000000000000009" + "00000002"
                + AB_HEX + "00000002" + "7367");
        assertThat(accept[1]).isEqualTo((byte) 5);
        accept[1] = write[1];
        assertThat(Arrays.copyOf(accept, write.length)).isEqualTo(write);
    }

    @Test
    void unsignedVoteHasAnEmptySignature() throws CodecException {
        assertThat(hex(new Accept(3, 9, 2, AB))).isEqualTo(
                "0a" + "05" + "00000003" + "0000000000000009" + "00000002" + AB_HEX + "00000000");
    }

    @Test
    void forwardHasTheDocumentedLayout() throws CodecException {
        Forward forward = new Forward(1, List.of(request(7, 1, "")));

        assertThat(hex(forward)).isEqualTo(
                "0a" + "06"                      // version, tag FORWARD
                        + "00000001"             // sender
                        + "00000001"             // request count
                        + REQUEST_7_1_EMPTY_HEX);
    }

    @Test
    void stopHasTheDocumentedLayout() throws CodecException {
        Stop stop = new Stop(2, 4, 10, List.of(request(7, 1, "")));

        assertThat(hex(stop)).isEqualTo(
                "0a" + "07"                      // version, tag STOP
                        + "00000002"             // sender
                        + "00000004"             // regency
                        + "000000000000000a"     // lastDecided
                        + "00000001"             // request count
                        + REQUEST_7_1_EMPTY_HEX);
        assertThat(hex(new Stop(0, 1, -1, List.of()))).isEqualTo(
                "0a" + "07" + "00000000" + "00000001" + "ffffffffffffffff" + "00000000");
    }

    @Test
    void stopDataWithoutVotesHasTheDocumentedLayout() throws CodecException {
        StopData stopData = new StopData(1, 3, -1, List.of(), List.of(), Bytes.utf8("s"));

        assertThat(hex(stopData)).isEqualTo(
                "0a" + "08"                      // version, tag STOPDATA
                        + "00000001"             // sender
                        + "00000003"             // regency
                        + "ffffffffffffffff"     // lastDecided -1: nothing decided
                        + "00000000"             // decision proof: no ACCEPTs
                        + "00000000"             // no vote histories
                        + "00000001" + "73");    // signature "s"
    }

    @Test
    void stopDataWithVotesHasTheDocumentedLayout() throws CodecException {
        StopData stopData = new StopData(1, 3, 5,
                List.of(new Accept(2, 5, 1, AB, Bytes.utf8("a"))),
                List.of(new VoteHistory(6, 2, new Batch(1000, 7, List.of()), List.of(new VoteHistory.Written(2, CD)))),
                Bytes.utf8("s"));

        assertThat(hex(stopData)).isEqualTo(
                "0a" + "08"                      // version, tag STOPDATA
                        + "00000001"             // sender
                        + "00000003"             // regency
                        + "0000000000000005"     // lastDecided
                        + "00000001"             // decision proof: 1 ACCEPT, without tag
                        + "00000002" + "0000000000000005" + "00000001" + AB_HEX + "00000001" + "61"
                        + "00000001"             // 1 vote history:
                        + "0000000000000006"     //   consensusId
                        + "00000002"             //   accepted epoch (the batch follows only if >= 0)
                        + "00000000000003e8" + "0000000000000007" + "00000000" + "00000000" + "00000000" // accepted batch: regency 0, no requests, no caught-up members
                        + "00000001"             //   1 value written:
                        + "00000002" + CD_HEX    //   epoch, digest
                        + "00000001" + "73");    // signature "s"
    }

    @Test
    void stopDataThatAcceptedNothingHasNoBatch() throws CodecException {
        StopData stopData = new StopData(1, 3, -1, List.of(), List.of(new VoteHistory(0, -1, null, List.of())), Bytes.EMPTY);

        assertThat(hex(stopData)).isEqualTo(
                "0a" + "08" + "00000001" + "00000003" + "ffffffffffffffff" + "00000000"
                        + "00000001" + "0000000000000000" + "ffffffff" + "00000000" // 1 history: cid 0, accepted -1, no writes
                        + "00000000");
    }

    @Test
    void syncHasTheDocumentedLayout() throws CodecException {
        StopData proof = new StopData(1, 3, -1, List.of(), List.of(), Bytes.EMPTY);
        String proofHex = "00000001" + "00000003" + "ffffffffffffffff" + "00000000" + "00000000" + "00000000";

        assertThat(hex(new Sync(0, 3, List.of(proof), List.of()))).isEqualTo(
                "0a" + "09"                      // version, tag SYNC
                        + "00000000"             // sender
                        + "00000003"             // regency
                        + "00000001" + proofHex  // 1 STOPDATA, without tag
                        + "00000000");           // no bound values
        assertThat(hex(new Sync(0, 3, List.of(), List.of(new Sync.Bound(9, new Batch(1000, 7, List.of(request(7, 1, ""))))))))
                .isEqualTo(
                "0a" + "09" + "00000000" + "00000003"
                        + "00000000"             // no STOPDATA
                        + "00000001"             // 1 bound value:
                        + "0000000000000009"     //   consensusId
                        + "00000000000003e8" + "0000000000000007" + "00000000" + "00000001" + REQUEST_7_1_EMPTY_HEX + "00000000");
    }

    @Test
    void decisionFetchHasTheDocumentedLayout() throws CodecException {
        assertThat(hex(new DecisionFetch(3, 42))).isEqualTo(
                "0a" + "0a"                      // version, tag DECISION_FETCH
                        + "00000003"             // sender
                        + "000000000000002a");   // fromConsensusId
    }

    @Test
    void decisionPushHasTheDocumentedLayout() throws CodecException {
        Decision decision = new Decision(5, 1, new Batch(1000, 7, List.of()), AB,
                List.of(new Accept(2, 5, 1, AB, Bytes.utf8("a"))));

        assertThat(hex(new DecisionPush(4, List.of(decision)))).isEqualTo(
                "0a" + "0b"                      // version, tag DECISION_PUSH
                        + "00000004"             // sender
                        + "00000001"             // decision count
                        + "0000000000000005"     //   consensusId
                        + "00000001"             //   epoch
                        + "00000000000003e8" + "0000000000000007" + "00000000" + "00000000" + "00000000" // batch: regency 0, no requests, no caught-up members
                        + AB_HEX                 //   digest
                        + "00000001"             //   proof: 1 ACCEPT, without tag
                        + "00000002" + "0000000000000005" + "00000001" + AB_HEX + "00000001" + "61");
    }

    // ---- signed bytes --------------------------------------------------------------------------

    @Test
    void signedBytesOfARequestAreItsEncodingWithAnEmptySignature() {
        Request request = new Request(7, 1, RequestKind.UNORDERED, 3, Bytes.utf8("get"), Bytes.utf8("sig"));

        assertThat(HEX.formatHex(MessageCodec.signedBytes(request))).isEqualTo(
                "0a" + "01" + "0000000000000007" + "0000000000000001" + "01" + "0000000000000003"
                        + "00000003" + "676574" + "00000000");
    }

    @Test
    void signedBytesOfAStopDataCoverTheNestedSignatures() {
        StopData stopData = new StopData(1, 3, 5, List.of(new Accept(2, 5, 1, AB, Bytes.utf8("a"))), List.of(),
                Bytes.utf8("s"));
        StopData otherProofSignature = new StopData(1, 3, 5, List.of(new Accept(2, 5, 1, AB, Bytes.utf8("b"))), List.of(),
                Bytes.utf8("s"));

        assertThat(HEX.formatHex(MessageCodec.signedBytes(stopData))).isEqualTo(
                "0a" + "08" + "00000001" + "00000003" + "0000000000000005"
                        + "00000001" + "00000002" + "0000000000000005" + "00000001" + AB_HEX + "00000001" + "61"
                        + "00000000" + "00000000");
        assertThat(MessageCodec.signedBytes(otherProofSignature)).isNotEqualTo(MessageCodec.signedBytes(stopData));
        assertThat(MessageCodec.signedBytes(stopData.withSignature(Bytes.utf8("other"))))
                .isEqualTo(MessageCodec.signedBytes(stopData));
    }

    @Test
    void signedBytesOfAnAcceptAreItsEncodingWithAnEmptySignature() {
        assertThat(HEX.formatHex(MessageCodec.signedBytes(new Accept(3, 9, 2, AB, Bytes.utf8("sg"))))).isEqualTo(
                "0a" + "05" + "00000003" + "0000000000000009" + "00000002" + AB_HEX + "00000000");
    }

    @Test
    void signedBytesRefuseEveryUnsignedType() {
        List<Message> unsigned = List.of(
                new Reply(2, 7, 1, RequestKind.UNORDERED, 3, 5, Bytes.utf8("ok")),
                new Propose(1, 5, 0, new Batch(0, 0, List.of())),
                new Forward(1, List.of()),
                new Stop(0, 1, -1, List.of()),
                new Sync(0, 1, List.of(), List.of()),
                new DecisionFetch(0, 1),
                new DecisionPush(0, List.of()));

        for (Message message : unsigned) {
            assertThatThrownBy(() -> MessageCodec.signedBytes(message))
                    .isInstanceOf(IllegalArgumentException.class)
                    .hasMessage(message.getClass().getSimpleName() + " is not a signed message type");
        }
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
                new Reply(Integer.MIN_VALUE, 0, Long.MIN_VALUE, RequestKind.ORDERED, -1, Integer.MIN_VALUE, Bytes.EMPTY),
                new Propose(0, 0, 0, new Batch(0, 0, List.of())),
                new Propose(Integer.MAX_VALUE, Long.MAX_VALUE, Integer.MAX_VALUE,
                        new Batch(Long.MIN_VALUE, Long.MAX_VALUE, List.of(request(1, 1, "x"), request(1, 2, "")))),
                new Write(-1, -1, -1, DIGEST),
                new Accept(4, 1L << 40, 7, new Digest(Bytes.copyOf(new byte[Digest.LENGTH]))),
                new Accept(4, 1, 7, AB, Bytes.utf8("sig")),
                new Forward(0, List.of()),
                new Forward(-1, List.of(request(1, 1, "a"), request(1, 2, "b").withSignature(Bytes.utf8("s")))),
                new Stop(0, 1, -1, List.of()),
                new Stop(Integer.MAX_VALUE, Integer.MIN_VALUE, Long.MAX_VALUE, List.of(request(1, 1, "x"))),
                new StopData(0, 0, -1, List.of(), List.of(), Bytes.EMPTY),
                new StopData(1, 2, 3, List.of(new Accept(1, 3, 0, AB, Bytes.utf8("a")), new Accept(2, 3, 0, AB)),
                        List.of(new VoteHistory(4, 1, new Batch(5, 6, List.of(request(1, 1, "x"))),
                                List.of(new VoteHistory.Written(1, CD))), VoteHistory.none(6)),
                        Bytes.utf8("sig")),
                new StopData(1, 2, 3, List.of(), List.of(new VoteHistory(4, 1, new Batch(5, 6, List.of()), List.of())),
                        Bytes.EMPTY),
                new Sync(0, 0, List.of(), List.of()),
                new Sync(3, 4, List.of(new StopData(0, 4, -1, List.of(), List.of(), Bytes.utf8("s"))),
                        List.of(new Sync.Bound(4, new Batch(1, 2, List.of(request(9, 9, "z")))),
                                new Sync.Bound(6, new Batch(1, 3, List.of())))),
                new DecisionFetch(Integer.MIN_VALUE, Long.MIN_VALUE),
                new DecisionPush(0, List.of()),
                new DecisionPush(1, List.of(new Decision(1, 0, new Batch(0, 0, List.of()), AB, List.of()),
                        new Decision(2, 1, new Batch(1, 1, List.of(request(1, 1, "x"))), CD,
                                List.of(new Accept(0, 2, 1, CD, Bytes.utf8("a")))))));

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
        int digestEnd = 2 + 4 + 8 + 4 + Digest.LENGTH;

        assertThat(expectFailure(codec, Arrays.copyOf(encoded, digestEnd - 1)))
                .hasMessage("truncated input: byte string needs 32 bytes, 31 left at offset 18");
    }

    @Test
    void missingSignatureIsRefused() throws CodecException {
        byte[] encoded = codec.encode(new Accept(1, 1, 1, DIGEST));

        assertThat(expectFailure(codec, Arrays.copyOf(encoded, encoded.length - 4)))
                .as("an encoding from before signatures existed")
                .hasMessage("truncated input: int needs 4 bytes, 0 left at offset 50");
    }

    @Test
    void truncatedSignatureIsRefused() throws CodecException {
        byte[] encoded = codec.encode(new Accept(1, 1, 1, DIGEST, Bytes.utf8("sig")));

        assertThat(expectFailure(codec, Arrays.copyOf(encoded, encoded.length - 1)))
                .hasMessage("truncated input: byte string needs 3 bytes, 2 left at offset 54");
    }

    @Test
    void otherVersionsAreRefused() throws CodecException {
        byte[] encoded = codec.encode(request(1, 1, "a"));
        encoded[0] = 1;

        assertThat(expectFailure(codec, encoded)).hasMessage("unsupported wire version 1 (this build speaks 10)");
        encoded[0] = (byte) 0xff;
        assertThat(expectFailure(codec, encoded)).hasMessageContaining("unsupported wire version 255");
    }

    @Test
    void unknownTagsAreRefused() {
        for (int tag : new int[] {0, 17, 18, 127, 128, 255}) {
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
        int sequenceLowHalf = 2 + 16 + 24 + 8 + 4;

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
        byte[] encoded = codec.encode(new Reply(0, 1, 1, RequestKind.ORDERED, 0, 0, Bytes.utf8("ok")));
        // The result's length field: after version, tag, sender, clientId, sequence, kind, viewId and regency.

        assertThat(expectFailure(codec, MessageArbitraries.patchInt(encoded, 35, Integer.MAX_VALUE)))
                .hasMessageContaining("truncated input")
                .hasMessageContaining("needs " + Integer.MAX_VALUE + " bytes");
    }

    @Test
    void negativeSignatureLengthIsRefused() throws CodecException {
        byte[] encoded = codec.encode(new Accept(1, 1, 1, DIGEST));

        assertThat(expectFailure(codec, MessageArbitraries.patchInt(encoded, 50, -1)))
                .hasMessage("negative length -1 at offset 50");
    }

    @Test
    void negativeRequestSignatureLengthIsRefused() throws CodecException {
        byte[] encoded = codec.encode(request(1, 1, "a"));

        assertThat(expectFailure(codec, MessageArbitraries.patchInt(encoded, 27 + 4 + 1, Integer.MIN_VALUE)))
                .hasMessage("negative length " + Integer.MIN_VALUE + " at offset 32");
    }

    @Test
    void voteHistoryCountThatCannotFitIsRefused() throws CodecException {
        byte[] encoded = codec.encode(new StopData(1, 3, -1, List.of(), List.of(), Bytes.EMPTY));
        int count = 2 + 4 + 4 + 8 + 4;

        assertThat(expectFailure(codec, MessageArbitraries.patchInt(encoded, count, 1)))
                .hasMessage("list count 1 cannot fit in the 4 bytes left at offset " + count);
    }

    @Test
    void boundValueCountThatCannotFitIsRefused() throws CodecException {
        byte[] encoded = codec.encode(new Sync(0, 1, List.of(), List.of()));
        int count = 2 + 4 + 4 + 4;

        assertThat(expectFailure(codec, MessageArbitraries.patchInt(encoded, count, 1)))
                .hasMessage("list count 1 cannot fit in the 0 bytes left at offset " + count);
    }

    /** STOPDATA with no ACCEPT has 8 bytes after the count: vote history count and signature length. */
    @Test
    void acceptCountThatCannotFitIsRefused() throws CodecException {
        byte[] encoded = codec.encode(new StopData(1, 3, -1, List.of(), List.of(), Bytes.EMPTY));

        assertThat(expectFailure(codec, MessageArbitraries.patchInt(encoded, 18, 1)))
                .hasMessage("list count 1 cannot fit in the 8 bytes left at offset 18");
        assertThat(expectFailure(codec, MessageArbitraries.patchInt(encoded, 18, -1)))
                .hasMessage("list count -1 cannot fit in the 8 bytes left at offset 18");
    }

    @Test
    void hostileCountsOfTheNewListsFailFast() throws CodecException {
        MessageCodec unlimited = new MessageCodec(Integer.MAX_VALUE);
        byte[] sync = codec.encode(new Sync(0, 1, List.of(), List.of()));
        byte[] push = codec.encode(new DecisionPush(0, List.of()));
        byte[] forward = codec.encode(new Forward(0, List.of()));
        byte[] stop = codec.encode(new Stop(0, 1, -1, List.of()));
        byte[] votes = codec.encode(new StopData(1, 3, -1, List.of(),
                List.of(new VoteHistory(1, 1, new Batch(1, 1, List.of()), List.of())), Bytes.EMPTY));
        int writeCount = 2 + 4 + 4 + 8 + 4 + 4 + 8 + 4 + 28;

        assertTimeoutPreemptively(Duration.ofSeconds(5), () -> {
            assertThat(expectFailure(unlimited, MessageArbitraries.patchInt(sync, 10, 100_000_000)))
                    .hasMessage("list count 100000000 cannot fit in the 4 bytes left at offset 10");
            assertThat(expectFailure(unlimited, MessageArbitraries.patchInt(push, 6, 100_000_000)))
                    .hasMessage("list count 100000000 cannot fit in the 0 bytes left at offset 6");
            assertThat(expectFailure(unlimited, MessageArbitraries.patchInt(forward, 6, Integer.MAX_VALUE)))
                    .hasMessage("list count " + Integer.MAX_VALUE + " cannot fit in the 0 bytes left at offset 6");
            assertThat(expectFailure(unlimited, MessageArbitraries.patchInt(stop, 18, 100_000_000)))
                    .hasMessage("list count 100000000 cannot fit in the 0 bytes left at offset 18");
            assertThat(expectFailure(unlimited, MessageArbitraries.patchInt(votes, writeCount, 100_000_000)))
                    .hasMessage("list count 100000000 cannot fit in the 4 bytes left at offset " + writeCount);
        });
    }

    @Test
    void negativeRequestCountIsRefused() throws CodecException {
        byte[] encoded = codec.encode(new Propose(0, 1, 0, new Batch(1, 1, List.of())));

        assertThat(expectFailure(codec, MessageArbitraries.patchInt(encoded, 38, Integer.MIN_VALUE)))
                .hasMessageContaining("list count " + Integer.MIN_VALUE + " cannot fit");
    }

    /** A 50-byte input claiming 100 million requests must be refused before anything is allocated. */
    @Test
    void hostileRequestCountInATinyInputFailsFast() throws CodecException {
        byte[] encoded = codec.encode(new Propose(0, 1, 0, new Batch(1, 1, List.of())));
        byte[] hostile = MessageArbitraries.patchInt(encoded, 38, 100_000_000);
        MessageCodec unlimited = new MessageCodec(Integer.MAX_VALUE);

        CodecException refusal = assertTimeoutPreemptively(Duration.ofSeconds(5), () -> expectFailure(unlimited, hostile));
        assertThat(refusal).hasMessage("list count 100000000 cannot fit in the 4 bytes left at offset 38");
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
        // 2 header + 25 fixed fields + 4 operation length + operation + 4 signature length
        Request tooBig = new Request(1, 1, RequestKind.ORDERED, 0, Bytes.copyOf(new byte[1024 - 35 + 1]));

        assertThatThrownBy(() -> codec.encode(tooBig))
                .isInstanceOf(CodecException.class)
                .hasMessage("encoded Request is 1025 bytes, over the maximum of 1024");
    }

    @Test
    void encodingExactlyAtTheLimitIsAccepted() throws CodecException {
        Request atLimit = new Request(1, 1, RequestKind.ORDERED, 0, Bytes.copyOf(new byte[1024 - 35]));

        byte[] encoded = codec.encode(atLimit);
        assertThat(encoded).hasSize(1024);
        assertThat(codec.decode(encoded)).isEqualTo(atLimit);
    }

    @Test
    void theSignatureCountsTowardsTheLimit() throws CodecException {
        Request atLimit = new Request(1, 1, RequestKind.ORDERED, 0, Bytes.copyOf(new byte[1024 - 35 - 64]),
                Bytes.copyOf(new byte[64]));

        assertThat(codec.encode(atLimit)).hasSize(1024);
        assertThatThrownBy(() -> codec.encode(atLimit.withSignature(Bytes.copyOf(new byte[65]))))
                .isInstanceOf(CodecException.class)
                .hasMessage("encoded Request is 1025 bytes, over the maximum of 1024");
    }

    @Test
    void nestedPartsCountTowardsTheLimit() {
        // each decision: 8 + 4 + 28 (empty batch) + 32 + 4 (no ACCEPT) = 76 bytes
        List<Decision> decisions = new ArrayList<>();
        for (int i = 0; i < 15; i++) {
            decisions.add(new Decision(i, 0, new Batch(0, 0, List.of()), AB, List.of()));
        }
        DecisionPush push = new DecisionPush(0, decisions); // 2 + 4 + 4 + 15 * 76 = 1150 bytes

        assertThatThrownBy(() -> codec.encode(push))
                .isInstanceOf(CodecException.class)
                .hasMessage("encoded DecisionPush is 1150 bytes, over the maximum of 1024");
    }

    @Test
    void limitBelowTheSmallestUsefulSizeIsRejected() {
        assertThatThrownBy(() -> new MessageCodec(63))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("messageBytesMax must be >= 64, got 63");
        assertThat(new MessageCodec(64).messageBytesMax()).isEqualTo(64);
    }

    @Test
    void aCheckpointHeaderWithEvictedSessionsIsEncodedByteForByteAndRoundTrips() throws CodecException {
        Checkpoint checkpoint = new Checkpoint(9, 1_000,
                List.of(new Checkpoint.ClientSession(4, 8, 2, List.of(4L), List.of(new Checkpoint.CachedReply(2, Bytes.utf8("r"))))),
                List.of(new Checkpoint.EvictedSession(1, 0, 5)), List.of(new Checkpoint.SessionFloor(2, 3)), VIEWS);
        byte[] encoded = MessageCodec.encodeCheckpointHeader(checkpoint);
        assertThat(HEX.formatHex(encoded)).isEqualTo(
                "09" + "000000aa"                         // checkpoint layout version, 170 bytes follow
                + "0000000000000009" + "00000000000003e8" // consensus id, agreed time
                + "00000001"                              // one session:
                + "0000000000000004" + "0000000000000008" // client 4, last decided in cid 8
                + "0000000000000002"                      // low
                + "00000001" + "0000000000000004"         // done above low: 4
                + "00000001" + "0000000000000002" + "00000001" + "72" // one cached reply: 2 -> "r"
                + "00000001"                              // one evicted session:
                + "0000000000000001" + "0000000000000000" + "0000000000000005" // client 1, session 0, in cid 5
                + "00000001" + "00000002" + "0000000000000003" // one floor: bucket 2, session 3
                + "00000001" + "0000000000000000"         // one view, governing from instance 0:
                + "0000000000000000" + "00000004" + "00000000" + "00000001" + "00000002" + "00000003" // id 0, members 0..3
                + "00000001" + "00" + "00000000" + "00000000"); // f=1, BFT, no keys, no addresses
        assertThat(MessageCodec.decodeCheckpointHeader(encoded)).isEqualTo(checkpoint);
    }

    @Test
    void aCheckpointOfAnotherLayoutIsRefused() {
        byte[] encoded = MessageCodec.encodeCheckpointHeader(new Checkpoint(0, 0, List.of(), List.of(), List.of(), VIEWS));
        encoded[0] = 6;
        assertThatThrownBy(() -> MessageCodec.decodeCheckpointHeader(encoded))
                .isInstanceOf(CodecException.class)
                .hasMessage("checkpoint of layout version 6 (this build speaks 9)");
    }

    @Test
    void aCheckpointHeaderDeclaringMoreThanFollowsIsRefused() {
        byte[] encoded = MessageCodec.encodeCheckpointHeader(new Checkpoint(0, 0, List.of(), List.of(), List.of(), VIEWS));
        encoded[1] = 0x7F;
        assertThatThrownBy(() -> MessageCodec.decodeCheckpointHeader(encoded))
                .isInstanceOf(CodecException.class)
                .hasMessageContaining("but only 81 follow");
    }
}
