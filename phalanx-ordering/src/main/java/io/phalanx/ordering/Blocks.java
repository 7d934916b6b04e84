package io.phalanx.ordering;

import com.google.protobuf.ByteString;
import org.bouncycastle.asn1.ASN1EncodableVector;
import org.bouncycastle.asn1.ASN1Encoding;
import org.bouncycastle.asn1.ASN1Integer;
import org.bouncycastle.asn1.DEROctetString;
import org.bouncycastle.asn1.DERSequence;
import org.hyperledger.fabric.protos.common.Block;
import org.hyperledger.fabric.protos.common.BlockData;
import org.hyperledger.fabric.protos.common.BlockHeader;
import org.hyperledger.fabric.protos.common.BlockMetadata;
import org.hyperledger.fabric.protos.common.BlockMetadataIndex;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.math.BigInteger;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.List;

/**
 * Blocks in Fabric's format ({@code common.Block}) and their hashes, computed as Fabric's peers
 * check them: the data hash is SHA-256 over the envelopes' bytes one after another, and a
 * header's hash is SHA-256 over the ASN.1 DER encoding of {@code SEQUENCE { INTEGER number,
 * OCTET STRING previousHash, OCTET STRING dataHash }}, which the next block names as its
 * previous hash.
 */
public final class Blocks {
    /**
     * The largest block message a frontend, or a node fetching blocks, takes from a node's
     * deliver endpoint: 100 MiB, a block holding an envelope of Fabric's default
     * {@code absoluteMaxBytes} (99 MiB) with room for its header and signatures. gRPC's own
     * default, 4 MiB, is below the blocks that a channel's {@code preferredMaxBytes} allows.
     */
    public static final int MESSAGE_BYTES_MAX = 100 << 20;

    private Blocks() {
    }

    /**
     * The block of {@code envelopes} at {@code number}, after the block whose header hash is
     * {@code previousHash}. Its metadata holds an empty entry for each of Fabric's metadata
     * indexes (the signatures and the last-config index are added when nodes sign it); the same
     * arguments give the same bytes on every node.
     *
     * @param number       the block number, 0 for a channel's genesis block
     * @param previousHash the previous block's header hash; empty for block 0
     * @param envelopes    the envelopes' bytes, in order
     * @return the block
     */
    public static Block build(long number, ByteString previousHash, List<ByteString> envelopes) {
        BlockData data = BlockData.newBuilder().addAllData(envelopes).build();
        BlockHeader header = BlockHeader.newBuilder().setNumber(number).setPreviousHash(previousHash)
                .setDataHash(ByteString.copyFrom(dataHash(data))).build();
        BlockMetadata.Builder metadata = BlockMetadata.newBuilder();
        for (int i = 0; i < BlockMetadataIndex.values().length - 1; i++) { // all but UNRECOGNIZED
            metadata.addMetadata(ByteString.EMPTY);
        }
        return Block.newBuilder().setHeader(header).setData(data).setMetadata(metadata).build();
    }

    /**
     * SHA-256 over the envelopes' bytes, one after another (Fabric's {@code BlockDataHash}).
     *
     * @param data a block's data
     * @return its hash
     */
    public static byte[] dataHash(BlockData data) {
        MessageDigest sha = sha256();
        for (ByteString envelope : data.getDataList()) {
            sha.update(envelope.asReadOnlyByteBuffer());
        }
        return sha.digest();
    }

    /**
     * The ASN.1 DER encoding of a header that Fabric hashes (its {@code BlockHeaderBytes}).
     *
     * @param header a block header
     * @return {@code SEQUENCE { INTEGER number, OCTET STRING previousHash, OCTET STRING dataHash }} in DER
     */
    public static byte[] headerBytes(BlockHeader header) {
        ASN1EncodableVector fields = new ASN1EncodableVector(3);
        fields.add(new ASN1Integer(new BigInteger(Long.toUnsignedString(header.getNumber()))));
        fields.add(new DEROctetString(header.getPreviousHash().toByteArray()));
        fields.add(new DEROctetString(header.getDataHash().toByteArray()));
        try {
            return new DERSequence(fields).getEncoded(ASN1Encoding.DER);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot DER-encode a block header", e);
        }
    }

    /**
     * SHA-256 of {@link #headerBytes}: what the next block names as its previous hash.
     *
     * @param header a block header
     * @return its hash
     */
    public static byte[] headerHash(BlockHeader header) {
        return sha256().digest(headerBytes(header));
    }

    /**
     * Why {@code block} does not follow {@code previous} in a chain, or null if it does: its
     * number is the next one, its previous hash is {@code previous}'s header hash, and its data
     * hash matches its data.
     *
     * @param previous the block before, or null if {@code block} must be a genesis block (number 0)
     * @param block    the block to check
     * @return the reason, or null
     */
    public static String chainProblem(Block previous, Block block) {
        BlockHeader header = block.getHeader();
        long expectedNumber = previous == null ? 0 : previous.getHeader().getNumber() + 1;
        if (header.getNumber() != expectedNumber) {
            return "block " + header.getNumber() + " where block " + expectedNumber + " was expected";
        }
        ByteString expectedPrevious = previous == null ? ByteString.EMPTY
                : ByteString.copyFrom(headerHash(previous.getHeader()));
        if (!header.getPreviousHash().equals(expectedPrevious)) {
            return "block " + header.getNumber() + " does not name the previous block's header hash";
        }
        if (!header.getDataHash().equals(ByteString.copyFrom(dataHash(block.getData())))) {
            return "block " + header.getNumber() + "'s data hash does not match its data";
        }
        return null;
    }

    static MessageDigest sha256() {
        try {
            return MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 is missing from this JVM", e);
        }
    }
}
