package io.phalanx.ordering;

import com.google.protobuf.ByteString;
import org.hyperledger.fabric.protos.common.Block;
import org.hyperledger.fabric.protos.common.BlockHeader;
import org.junit.jupiter.api.Test;

import java.security.MessageDigest;
import java.util.HexFormat;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

/** Block hashes are Fabric's: peers that check the chain with Fabric's rules accept these blocks. */
class BlocksTest {
    private static final HexFormat HEX = HexFormat.of();

    @Test
    void theHeaderIsHashedOverItsDerEncodingAsFabricDoes() {
        byte[] previous = new byte[32];
        byte[] data = new byte[32];
        java.util.Arrays.fill(previous, (byte) 1);
        java.util.Arrays.fill(data, (byte) 2);
        BlockHeader header = BlockHeader.newBuilder().setNumber(300).setPreviousHash(ByteString.copyFrom(previous))
                .setDataHash(ByteString.copyFrom(data)).build();
        // SEQUENCE (72 bytes) { INTEGER 300 (02 02 01 2c), OCTET STRING 32 x 01, OCTET STRING 32 x 02 }
        String expected = "3048" + "0202012c" + "0420" + "01".repeat(32) + "0420" + "02".repeat(32);
        assertThat(HEX.formatHex(Blocks.headerBytes(header))).isEqualTo(expected);
        // Block 0's empty previous hash is an empty OCTET STRING; number 0 is INTEGER 0.
        BlockHeader genesis = BlockHeader.newBuilder().setNumber(0).setDataHash(ByteString.copyFrom(data)).build();
        assertThat(HEX.formatHex(Blocks.headerBytes(genesis))).isEqualTo("3027" + "020100" + "0400" + "0420" + "02".repeat(32));
    }

    @Test
    void theDataHashIsSha256OverTheEnvelopesOneAfterAnother() throws Exception {
        ByteString a = ByteString.copyFromUtf8("first");
        ByteString b = ByteString.copyFromUtf8("second");
        Block block = Blocks.build(4, ByteString.copyFromUtf8("p"), List.of(a, b));
        assertThat(block.getHeader().getDataHash().toByteArray())
                .isEqualTo(MessageDigest.getInstance("SHA-256").digest("firstsecond".getBytes()));
        assertThat(block.getMetadata().getMetadataCount()).isEqualTo(5);
    }

    @Test
    void aChainIsCheckedLinkByLink() {
        Block zero = Blocks.build(0, ByteString.EMPTY, List.of(ByteString.copyFromUtf8("genesis")));
        Block one = Blocks.build(1, ByteString.copyFrom(Blocks.headerHash(zero.getHeader())),
                List.of(ByteString.copyFromUtf8("tx")));
        assertThat(Blocks.chainProblem(null, zero)).isNull();
        assertThat(Blocks.chainProblem(zero, one)).isNull();
        assertThat(Blocks.chainProblem(one, zero)).isEqualTo("block 0 where block 2 was expected");
        Block forged = one.toBuilder().setData(one.getData().toBuilder().setData(0, ByteString.copyFromUtf8("other"))).build();
        assertThat(Blocks.chainProblem(zero, forged)).isEqualTo("block 1's data hash does not match its data");
        Block unlinked = Blocks.build(1, ByteString.copyFromUtf8("elsewhere"), List.of(ByteString.copyFromUtf8("tx")));
        assertThat(Blocks.chainProblem(zero, unlinked)).isEqualTo("block 1 does not name the previous block's header hash");
    }
}
