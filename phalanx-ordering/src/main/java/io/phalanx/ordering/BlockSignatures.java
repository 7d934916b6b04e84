package io.phalanx.ordering;

import com.google.protobuf.ByteString;
import com.google.protobuf.InvalidProtocolBufferException;
import io.phalanx.core.crypto.SignatureVerifier;
import io.phalanx.core.crypto.Signer;
import io.phalanx.core.message.Bytes;
import io.phalanx.core.view.View;
import org.hyperledger.fabric.protos.common.Block;
import org.hyperledger.fabric.protos.common.BlockMetadataIndex;
import org.hyperledger.fabric.protos.common.IdentifierHeader;
import org.hyperledger.fabric.protos.common.LastConfig;
import org.hyperledger.fabric.protos.common.Metadata;
import org.hyperledger.fabric.protos.common.MetadataSignature;
import org.hyperledger.fabric.protos.common.OrdererBlockMetadata;

import java.io.ByteArrayOutputStream;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.function.LongFunction;

/**
 * The ordering nodes' signatures on a block, in Fabric's BFT form: the block's
 * {@code SIGNATURES} metadata holds {@code OrdererBlockMetadata} as its value (the last config
 * block's number, and as its consenter metadata the id of the view that decided the block, eight
 * bytes big-endian) and one {@code MetadataSignature} per node, whose identifier header names
 * the node by its replica id and whose signature covers the value, the identifier header and the
 * header's DER bytes ({@link Blocks#headerBytes}), one after another, as Fabric verifies them.
 * Every node signs the same value and nonce (the nonce comes from the agreed batch), so the
 * copies nodes hand out differ in their signatures only.
 *
 * <p>Who may sign is the view's: a block carries enough signatures when the valid ones of
 * distinct members of the view that decided it, under the keys that view names, form a quorum
 * of that view (2f+1 of 3f+1 in BFT), so the signing quorum follows the consenter set through
 * every reconfiguration and key rotation and is never configured on its own.
 */
public final class BlockSignatures {
    private BlockSignatures() {
    }

    /**
     * {@code block} with this node's signature added to its {@code SIGNATURES} metadata (with the
     * value set to {@code lastConfig} and {@code viewId} if the block has none yet).
     *
     * @param block      a block {@link Blocks#build} made, possibly signed by others already
     * @param signerId   this node's replica id
     * @param signer     its key, the one view {@code viewId} names for it
     * @param lastConfig the number of the channel's last config block, the block itself if it is one
     * @param nonce      the nonce of the batch the block came from, the same on every node
     * @param viewId     the view that decided that batch, whose members sign the block
     * @return the signed block
     */
    public static Block sign(Block block, int signerId, Signer signer, long lastConfig, long nonce, long viewId) {
        Metadata metadata = metadata(block);
        ByteString value = metadata.getValue().isEmpty()
                ? OrdererBlockMetadata.newBuilder().setLastConfig(LastConfig.newBuilder().setIndex(lastConfig))
                        .setConsenterMetadata(ByteString.copyFrom(java.nio.ByteBuffer.allocate(8).putLong(viewId).array()))
                        .build().toByteString()
                : metadata.getValue();
        ByteString identifier = IdentifierHeader.newBuilder().setIdentifier(signerId)
                .setNonce(ByteString.copyFrom(java.nio.ByteBuffer.allocate(8).putLong(nonce).array())).build()
                .toByteString();
        Bytes signature = signer.sign(signedBytes(value, identifier, block));
        Metadata signed = metadata.toBuilder().setValue(value).addSignatures(MetadataSignature.newBuilder()
                .setIdentifierHeader(identifier).setSignature(ByteString.copyFrom(signature.toArray()))).build();
        return withMetadata(block, signed);
    }

    /**
     * Adds this node's signature to a copy of a block that another node signed: the same value and
     * nonce as that node's signature, so the copy is the one this node would have signed itself.
     * For blocks a node fetches from its peers after its state came by state transfer, once it has
     * checked them against its own chain.
     *
     * @param signedCopy a copy of the block with at least one signature
     * @param signerId   this node's replica id
     * @param signer     its key
     * @return the copy with this node's signature added
     * @throws IllegalArgumentException if the copy carries no signature
     */
    public static Block countersign(Block signedCopy, int signerId, Signer signer) {
        Metadata metadata = metadata(signedCopy);
        if (metadata.getSignaturesCount() == 0) {
            throw new IllegalArgumentException("block " + signedCopy.getHeader().getNumber() + " carries no signature");
        }
        long nonce;
        try {
            ByteString bytes = IdentifierHeader.parseFrom(metadata.getSignatures(0).getIdentifierHeader()).getNonce();
            nonce = bytes.size() == 8 ? bytes.asReadOnlyByteBuffer().getLong() : 0;
        } catch (InvalidProtocolBufferException e) {
            nonce = 0;
        }
        return sign(signedCopy, signerId, signer, 0, nonce, 0); // the value is there already: last config and view stay
    }

    /**
     * The view that decided {@code block}, as its signed metadata value names it.
     *
     * @param block a signed block
     * @return the view's id, or -1 if the block names none (unsigned, or a malformed value)
     */
    public static long viewId(Block block) {
        try {
            ByteString named = OrdererBlockMetadata.parseFrom(metadata(block).getValue()).getConsenterMetadata();
            return named.size() == 8 ? named.asReadOnlyByteBuffer().getLong() : -1;
        } catch (InvalidProtocolBufferException e) {
            return -1;
        }
    }

    /**
     * {@code block} with the signatures of {@code others} added, each copy of the same block
     * signed by other nodes; a signer already present is not added twice.
     *
     * @param block  a block
     * @param others copies of it with their signatures
     * @return the block with every signature
     */
    public static Block merge(Block block, List<Block> others) {
        Metadata metadata = metadata(block);
        Set<Integer> present = new TreeSet<>();
        Metadata.Builder merged = metadata.toBuilder();
        for (MetadataSignature signature : metadata.getSignaturesList()) {
            present.add(identifier(signature));
        }
        for (Block other : others) {
            for (MetadataSignature signature : metadata(other).getSignaturesList()) {
                if (present.add(identifier(signature))) {
                    merged.addSignatures(signature);
                }
            }
        }
        return withMetadata(block, merged.build());
    }

    /**
     * The members of {@code view} whose signatures on {@code block} are valid under the keys
     * {@code view} names; a signature by anyone else, a malformed one, or a second one by the
     * same member does not count.
     *
     * @param block    a signed block
     * @param view     the view in force at the block's height
     * @param verifier checks a member's signature under the key {@code view} names (one kept per
     *                 component caches what it found valid, so a signature seen again in another
     *                 copy of the block costs no second verification)
     * @return the valid signers' ids
     */
    public static Set<Integer> validSigners(Block block, View view, SignatureVerifier verifier) {
        return gather(block, List.of(), view, verifier).signers();
    }

    /**
     * Whether {@code block}'s valid signatures form a quorum of {@code view}.
     *
     * @param block    a signed block
     * @param view     the view in force at the block's height
     * @param verifier checks a member's signature, as for {@link #validSigners}
     * @return true if a quorum of its members signed it
     */
    public static boolean signedByQuorum(Block block, View view, SignatureVerifier verifier) {
        return view.quorums().isQuorum(validSigners(block, view, verifier));
    }

    /**
     * The copy of a block that a quorum of {@code view}'s members signed, among copies of one
     * block number that different nodes handed out: each whole copy (its data matches its
     * header's data hash; a copy of header and signatures only has none) is tried in turn, with
     * every valid signature on its header and metadata value gathered from all the copies, one
     * per member. Trying every whole copy, and gathering valid signatures only, keeps a node that
     * alters the value it signs, or puts a forged signature of another member into its copy, from
     * holding up a block the others signed.
     *
     * @param copies   copies of one block number, whole or headers with signatures, from different nodes
     * @param viewOf   the view with a given id, as the reader knows it, or null if it does not
     *                 (yet): each whole copy is checked against the view its value names
     * @param verifier checks a member's signature, as for {@link #validSigners}
     * @return a whole copy with the valid signatures of a quorum, and no others; null if there is none yet
     */
    public static Block quorumCopy(Collection<Block> copies, LongFunction<View> viewOf, SignatureVerifier verifier) {
        for (Block base : copies) {
            if (!base.getHeader().getDataHash().equals(ByteString.copyFrom(Blocks.dataHash(base.getData())))) {
                continue; // headers and signatures only, or data that does not match its header: a forgery
            }
            long viewId = viewId(base);
            View view = viewId < 0 ? null : viewOf.apply(viewId);
            if (view == null || view.id() != viewId) {
                continue;
            }
            Gathered gathered = gather(base, copies, view, verifier);
            if (view.quorums().isQuorum(gathered.signers())) {
                return gathered.block();
            }
        }
        return null;
    }

    /**
     * The valid signatures gathered for one copy of a block ({@link #gather}).
     *
     * @param base     the copy whose header and metadata value the signatures were checked against
     * @param signers  the members whose valid signatures were found, each once
     * @param metadata base's {@code SIGNATURES} metadata with exactly those signatures
     */
    record Gathered(Block base, Set<Integer> signers, Metadata metadata) {
        /** {@code base} carrying the gathered signatures and no others. */
        Block block() {
            return withMetadata(base, metadata);
        }
    }

    /**
     * Every valid signature on {@code base}'s header and metadata value that {@code base} and
     * {@code copies} carry, one per member of {@code view}: unlike {@link #merge}, a forged or
     * altered signature claiming a member cannot take the place of that member's valid one.
     *
     * @param base     a copy of the block
     * @param copies   copies of the same block number from other nodes; those with another header are ignored
     * @param view     the view the block names
     * @param verifier checks a member's signature, as for {@link #validSigners}
     * @return who signed validly, and base's metadata with their signatures
     */
    static Gathered gather(Block base, Collection<Block> copies, View view, SignatureVerifier verifier) {
        Metadata value = metadata(base);
        Metadata.Builder signed = value.toBuilder().clearSignatures();
        Set<Integer> valid = new TreeSet<>();
        List<Block> all = new ArrayList<>(copies.size() + 1);
        all.add(base);
        all.addAll(copies);
        for (Block copy : all) {
            if (!copy.getHeader().equals(base.getHeader())) {
                continue;
            }
            for (MetadataSignature signature : metadata(copy).getSignaturesList()) {
                int signer = identifier(signature);
                if (signer < 0 || !view.contains(signer) || valid.contains(signer)) {
                    continue;
                }
                byte[] bytes = signedBytes(value.getValue(), signature.getIdentifierHeader(), base);
                if (verifier.verifyReplica(view, signer, bytes, Bytes.copyOf(signature.getSignature().toByteArray()))) {
                    valid.add(signer);
                    signed.addSignatures(signature);
                }
            }
        }
        return new Gathered(base, valid, signed.build());
    }

    /** The replica id an identifier header names, or -1 if it names none. */
    private static int identifier(MetadataSignature signature) {
        try {
            return IdentifierHeader.parseFrom(signature.getIdentifierHeader()).getIdentifier();
        } catch (InvalidProtocolBufferException e) {
            return -1;
        }
    }

    private static byte[] signedBytes(ByteString value, ByteString identifierHeader, Block block) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        out.writeBytes(value.toByteArray());
        out.writeBytes(identifierHeader.toByteArray());
        out.writeBytes(Blocks.headerBytes(block.getHeader()));
        return out.toByteArray();
    }

    private static Metadata metadata(Block block) {
        int index = BlockMetadataIndex.SIGNATURES_VALUE;
        if (block.getMetadata().getMetadataCount() <= index) {
            return Metadata.getDefaultInstance();
        }
        try {
            return Metadata.parseFrom(block.getMetadata().getMetadata(index));
        } catch (InvalidProtocolBufferException e) {
            return Metadata.getDefaultInstance();
        }
    }

    private static Block withMetadata(Block block, Metadata metadata) {
        List<ByteString> entries = new ArrayList<>(block.getMetadata().getMetadataList());
        while (entries.size() <= BlockMetadataIndex.SIGNATURES_VALUE) {
            entries.add(ByteString.EMPTY);
        }
        entries.set(BlockMetadataIndex.SIGNATURES_VALUE, metadata.toByteString());
        return block.toBuilder().setMetadata(block.getMetadata().toBuilder().clearMetadata().addAllMetadata(entries))
                .build();
    }
}
