package io.phalanx.ordering;

import com.google.protobuf.ByteString;
import io.phalanx.core.crypto.Ed25519;
import io.phalanx.core.crypto.Signer;
import io.phalanx.core.message.Bytes;
import io.phalanx.core.view.Mode;
import io.phalanx.core.view.View;
import org.hyperledger.fabric.protos.common.Block;
import org.hyperledger.fabric.protos.common.BlockMetadataIndex;
import org.hyperledger.fabric.protos.common.Metadata;
import org.hyperledger.fabric.protos.common.OrdererBlockMetadata;
import org.junit.jupiter.api.Test;

import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

/** A block is delivered on a quorum of valid signatures by members of the view at its height, and on nothing less. */
class BlockSignaturesTest {
    /** Checks block signatures as the frontends do. */
    private final io.phalanx.core.crypto.SignatureVerifier verifier = io.phalanx.runtime.CoreSettings.replicaVerifier();
    private final List<KeyPair> keys = new ArrayList<>();
    private final View view;
    private final Block block = Blocks.build(7, ByteString.copyFromUtf8("previous"),
            List.of(TestEnvelopes.transaction("alpha", "t", 10, (byte) 1)));

    BlockSignaturesTest() throws Exception {
        KeyPairGenerator generator = KeyPairGenerator.getInstance("Ed25519");
        Map<Integer, Bytes> publicKeys = new HashMap<>();
        for (int id = 0; id < 5; id++) {
            keys.add(generator.generateKeyPair());
            if (id < 4) {
                publicKeys.put(id, Bytes.copyOf(keys.get(id).getPublic().getEncoded()));
            }
        }
        view = new View(3, List.of(0, 1, 2, 3), 1, Mode.BFT, publicKeys); // replica 4 is no member
    }

    private Signer signer(int id) {
        return Ed25519.signer(keys.get(id).getPrivate());
    }

    private Block signedBy(int id) {
        return BlockSignatures.sign(block, id, signer(id), 5, 42, 3);
    }

    @Test
    void threeOfFourMembersSignaturesAreAQuorumAndTwoAreNot() throws Exception {
        Block two = BlockSignatures.merge(signedBy(0), List.of(signedBy(1)));
        assertThat(BlockSignatures.validSigners(two, view, verifier)).containsExactly(0, 1);
        assertThat(BlockSignatures.signedByQuorum(two, view, verifier)).isFalse();
        Block three = BlockSignatures.merge(two, List.of(signedBy(2), signedBy(1)));
        assertThat(BlockSignatures.validSigners(three, view, verifier)).containsExactly(0, 1, 2);
        assertThat(BlockSignatures.signedByQuorum(three, view, verifier)).isTrue();
        // The signed copies hold the same block: header, data and metadata value alike.
        assertThat(three.getHeader()).isEqualTo(block.getHeader());
        assertThat(three.getData()).isEqualTo(block.getData());
        Metadata metadata = Metadata.parseFrom(three.getMetadata().getMetadata(BlockMetadataIndex.SIGNATURES_VALUE));
        assertThat(OrdererBlockMetadata.parseFrom(metadata.getValue()).getLastConfig().getIndex()).isEqualTo(5);
        assertThat(metadata.getSignaturesCount()).isEqualTo(3);
    }

    @Test
    void signaturesByNonMembersOnAnotherBlockOrUnderAnotherIdDoNotCount() {
        Block outsider = BlockSignatures.sign(block, 4, signer(4), 5, 42, 3);
        Block impostor = BlockSignatures.sign(block, 3, signer(4), 5, 42, 3); // claims to be replica 3
        Block other = Blocks.build(7, ByteString.copyFromUtf8("previous"),
                List.of(TestEnvelopes.transaction("alpha", "forged", 10, (byte) 2)));
        Block forged = BlockSignatures.sign(other, 2, signer(2), 5, 42, 3);
        Block onThisBlock = block.toBuilder().setMetadata(forged.getMetadata()).build(); // its signature moved over
        Block all = BlockSignatures.merge(signedBy(0), List.of(signedBy(1), outsider, impostor, onThisBlock));
        assertThat(BlockSignatures.validSigners(all, view, verifier)).containsExactly(0, 1);
        assertThat(BlockSignatures.signedByQuorum(all, view, verifier)).isFalse();
    }

    @Test
    void aSecondSignatureBySomeoneAlreadyCountedDoesNotCountTwice() throws Exception {
        Block twice = BlockSignatures.sign(signedBy(0), 0, signer(0), 5, 42, 3);
        assertThat(BlockSignatures.validSigners(twice, view, verifier)).containsExactly(0);
        Block merged = BlockSignatures.merge(signedBy(0), List.of(signedBy(0), signedBy(0)));
        assertThat(Metadata.parseFrom(merged.getMetadata().getMetadata(BlockMetadataIndex.SIGNATURES_VALUE))
                .getSignaturesCount()).isEqualTo(1);
    }

    /** A copy of headers and signatures only, as a node answers a {@code HEADER_WITH_SIG} deliver request. */
    private static Block headerOnly(Block copy) {
        return copy.toBuilder().clearData().build();
    }

    private static long lastConfig(Block block) throws Exception {
        Metadata metadata = Metadata.parseFrom(block.getMetadata().getMetadata(BlockMetadataIndex.SIGNATURES_VALUE));
        return OrdererBlockMetadata.parseFrom(metadata.getValue()).getLastConfig().getIndex();
    }

    @Test
    void aCopyWhoseSignedValueWasAlteredDoesNotHoldUpTheBlockTheOthersSigned() throws Exception {
        Block altered = BlockSignatures.sign(block, 0, signer(0), 6, 42, 3); // another last config, validly signed by 0
        Block delivered = BlockSignatures.quorumCopy(List.of(altered, signedBy(1), headerOnly(signedBy(2)),
                headerOnly(signedBy(3))), views(), verifier);
        assertThat(delivered).isNotNull();
        assertThat(lastConfig(delivered)).isEqualTo(5);
        assertThat(BlockSignatures.validSigners(delivered, view, verifier)).containsExactly(1, 2, 3);
        assertThat(delivered.getData()).isEqualTo(block.getData());
    }

    @Test
    void aForgedSignatureOfAnotherMemberDoesNotCrowdOutItsRealOne() throws Exception {
        Block withForgery = BlockSignatures.sign(signedBy(0), 1, signer(4), 5, 42, 3); // claims to be replica 1
        Block delivered = BlockSignatures.quorumCopy(List.of(withForgery, headerOnly(signedBy(1)),
                headerOnly(signedBy(2))), views(), verifier);
        assertThat(delivered).isNotNull();
        assertThat(BlockSignatures.validSigners(delivered, view, verifier)).containsExactly(0, 1, 2);
        assertThat(Metadata.parseFrom(delivered.getMetadata().getMetadata(BlockMetadataIndex.SIGNATURES_VALUE))
                .getSignaturesCount()).as("only valid signatures are handed on").isEqualTo(3);
    }

    @Test
    void gatheringKeepsEachMembersValidSignatureWhereMergingKeepsTheFirstClaim() {
        Block withForgery = BlockSignatures.sign(signedBy(0), 1, signer(4), 5, 42, 3); // claims to be replica 1
        List<Block> others = List.of(headerOnly(signedBy(1)));
        assertThat(BlockSignatures.validSigners(BlockSignatures.merge(withForgery, others), view, verifier))
                .containsExactly(0);
        assertThat(BlockSignatures.validSigners(BlockSignatures.gather(withForgery, others, view, verifier).block(),
                view, verifier)).containsExactly(0, 1);
    }

    @Test
    void withoutAWholeCopyOrAQuorumNothingIsDelivered() {
        assertThat(BlockSignatures.quorumCopy(List.of(headerOnly(signedBy(0)), headerOnly(signedBy(1)),
                headerOnly(signedBy(2))), views(), verifier)).as("headers only").isNull();
        assertThat(BlockSignatures.quorumCopy(List.of(signedBy(0), headerOnly(signedBy(1))), views(), verifier))
                .as("two of four").isNull();
        Block forgedData = signedBy(0).toBuilder().setData(Blocks.build(7, ByteString.copyFromUtf8("previous"),
                List.of(TestEnvelopes.transaction("alpha", "forged", 10, (byte) 2))).getData()).build();
        assertThat(BlockSignatures.quorumCopy(List.of(forgedData, headerOnly(signedBy(1)), headerOnly(signedBy(2))),
                views(), verifier)).as("data that does not match the header").isNull();
    }

    /** The reader's views: only the test's view 3. */
    private java.util.function.LongFunction<View> views() {
        return id -> id == view.id() ? view : null;
    }

    @Test
    void aBlockIsCheckedAgainstTheViewItsSignedValueNamesWithTheKeysThatViewNames() {
        assertThat(BlockSignatures.viewId(signedBy(0))).isEqualTo(3);
        assertThat(BlockSignatures.viewId(block)).as("unsigned").isEqualTo(-1);
        // View 4 rotates replica 3's key to the key numbered 4.
        Map<Integer, Bytes> rotatedKeys = new HashMap<>(view.publicKeys());
        rotatedKeys.put(3, Bytes.copyOf(keys.get(4).getPublic().getEncoded()));
        View rotated = new View(4, List.of(0, 1, 2, 3), 1, Mode.BFT, rotatedKeys);
        List<Block> inView4 = List.of(BlockSignatures.sign(block, 1, signer(1), 5, 42, 4),
                headerOnly(BlockSignatures.sign(block, 2, signer(2), 5, 42, 4)),
                headerOnly(BlockSignatures.sign(block, 3, signer(4), 5, 42, 4)));
        assertThat(BlockSignatures.quorumCopy(inView4, views(), verifier)).as("view 4 not known yet").isNull();
        Block delivered = BlockSignatures.quorumCopy(inView4, id -> id == 4 ? rotated : view, verifier);
        assertThat(delivered).isNotNull();
        assertThat(BlockSignatures.validSigners(delivered, rotated, verifier)).containsExactly(1, 2, 3);
        assertThat(BlockSignatures.quorumCopy(inView4, id -> view, verifier))
                .as("a view other than the one the block names is never used").isNull();
        // Under view 3, replica 3's new key does not count.
        List<Block> inView3 = List.of(signedBy(1), headerOnly(signedBy(2)),
                headerOnly(BlockSignatures.sign(block, 3, signer(4), 5, 42, 3)));
        assertThat(BlockSignatures.quorumCopy(inView3, views(), verifier)).isNull();
    }
}
