package io.phalanx.core.message;

import java.util.Objects;

/**
 * First voting round (BFT mode only): the sender saw a valid proposal with this digest from the
 * leader. A quorum of matching WRITEs means no other value can be accepted in this epoch, and,
 * because each WRITE is signed, that quorum is a transferable write certificate the next leader
 * must respect.
 *
 * @param signature the sender's signature over the message with an empty signature field
 */
public record Write(int sender, long consensusId, int epoch, Digest batchDigest, Bytes signature)
        implements ConsensusMessage {
    public Write {
        Objects.requireNonNull(batchDigest, "batchDigest");
        Objects.requireNonNull(signature, "signature");
    }

    /** An unsigned WRITE, to be signed with {@link #withSignature}. */
    public Write(int sender, long consensusId, int epoch, Digest batchDigest) {
        this(sender, consensusId, epoch, batchDigest, Bytes.EMPTY);
    }

    public Write withSignature(Bytes newSignature) {
        return new Write(sender, consensusId, epoch, batchDigest, newSignature);
    }
}
