package io.phalanx.ordering;

import com.google.protobuf.ByteString;
import io.phalanx.core.message.Bytes;
import org.hyperledger.fabric.protos.common.Envelope;
import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

class WritersTest {
    private static final String CHANNEL = "alpha";

    @Test
    void aMembersSignedEnvelopePassesAndEveryForgeryIsRefusedWithItsReason() throws Exception {
        TestOrganisation org1 = new TestOrganisation("Org1MSP");
        TestOrganisation impostor = new TestOrganisation("Org1MSP"); // claims Org1MSP, its own authority
        TestOrganisation org2 = new TestOrganisation("Org2MSP");
        Writers writers = new Writers(Map.of("Org1MSP", List.of(org1.root)));

        Envelope good = org1.signedTransaction(CHANNEL, "t1", 100);
        assertThat(writers.problem(good)).isNull();
        assertThat(writers.problem(good)).as("again, from the remembered digest").isNull();
        assertThat(Writers.ANYONE.problem(Envelope.parseFrom(TestEnvelopes.transaction(CHANNEL, "t0", 10, (byte) 0))))
                .isNull();

        assertThat(writers.problem(Envelope.parseFrom(TestEnvelopes.transaction(CHANNEL, "t2", 10, (byte) 0))))
                .contains("names no creator");
        assertThat(writers.problem(org2.signedTransaction(CHANNEL, "t3", 100))).contains("'Org2MSP' is not among");
        assertThat(writers.problem(impostor.signedTransaction(CHANNEL, "t4", 100))).contains("not issued by a root");
        // The payload changed after signing: the signature no longer verifies.
        Envelope tampered = good.toBuilder().setPayload(TestOrganisation.payload(CHANNEL, "t1", 101, org1.memberPem(),
                "Org1MSP").toByteString()).build();
        assertThat(writers.problem(tampered)).contains("does not verify");
        // The same signature with the high S, which Fabric refuses (signatures must not be malleable).
        Envelope highS = good.toBuilder().setSignature(ByteString.copyFrom(org1.sign(good.getPayload().toByteArray(), true)))
                .build();
        assertThat(writers.problem(highS)).contains("high S");
        assertThat(writers.problem(good.toBuilder().setSignature(ByteString.copyFromUtf8("junk")).build()))
                .contains("no DER-encoded");
    }

    @Test
    void theNodesProposalCheckAdmitsOnlyParseableEnvelopesOfWritersAndLeavesOtherOperationsToExecution() throws Exception {
        TestOrganisation org1 = new TestOrganisation("Org1MSP");
        TestOrganisation org2 = new TestOrganisation("Org2MSP");
        OrderingService service = new OrderingService(Map.of(CHANNEL, new OrderingService.Channel(
                new ChannelLimits(10, 1 << 20, 1 << 19, 300), null, new Writers(Map.of("Org1MSP", List.of(org1.root))))),
                100, cut -> { });
        assertThat(service.admits(broadcast(org1.signedTransaction(CHANNEL, "t1", 10).toByteString()))).isTrue();
        assertThat(service.admits(broadcast(org2.signedTransaction(CHANNEL, "t2", 10).toByteString()))).isFalse();
        assertThat(service.admits(broadcast(ByteString.copyFromUtf8("not an envelope")))).isFalse();
        assertThat(service.admits(Bytes.utf8("not an operation"))).isFalse();
        // Another channel (answered NOT_FOUND when executed) and a time-to-cut are execution's to judge.
        assertThat(service.admits(broadcast(org2.signedTransaction("unknown", "t3", 10).toByteString()))).isTrue();
        assertThat(service.admits(new OrderingOperation.TimeToCut(CHANNEL, 0).encode())).isTrue();
    }

    private static Bytes broadcast(ByteString envelope) {
        return new OrderingOperation.Broadcast(envelope).encode();
    }

    @Test
    void derSignaturesAreParsedStrictly() {
        assertThat(Writers.secondInteger(new byte[] {0x30, 0x06, 0x02, 0x01, 0x05, 0x02, 0x01, 0x07})).isEqualTo(java.math.BigInteger.valueOf(7));
        assertThat(Writers.secondInteger(new byte[] {0x30, 0x06, 0x02, 0x01, 0x05, 0x02, 0x01})).isNull();
        assertThat(Writers.secondInteger(new byte[] {0x30, 0x07, 0x02, 0x01, 0x05, 0x02, 0x01, 0x07, 0x00})).isNull();
        assertThat(Writers.secondInteger(new byte[] {0x30, 0x06, 0x02, 0x01, 0x05, 0x02, 0x01, (byte) 0xf9})).isNull();
        assertThat(Writers.secondInteger(new byte[0])).isNull();
    }
}
