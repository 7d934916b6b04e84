package io.phalanx.core.message;

import java.util.List;
import java.util.Objects;

/**
 * A replica's signed report to the leader of a new regency: its last decided instance with the
 * proof, and its votes in every later instance it voted in (several when instances are
 * pipelined). The new leader's SYNC carries enough of these
 * for the choice rule to hold, so every follower can re-run the leader's choice on signed data
 * instead of trusting it.
 *
 * @param sender         the reporting replica
 * @param regency        the new regency the report is for
 * @param lastDecided    the sender's last decided consensus id, -1 if none
 * @param decisionProof  the quorum of ACCEPTs that decided {@code lastDecided} (empty if -1)
 * @param votes          the sender's vote histories in instances after {@code lastDecided}, one per
 *                       instance it voted in, in ascending consensus id (empty if it cast none)
 * @param signature      the sender's signature over the message with an empty signature field
 */
public record StopData(int sender, int regency, long lastDecided, List<Accept> decisionProof,
                       List<VoteHistory> votes, Bytes signature) implements ReplicaMessage {
    /**
     * Copies the lists and checks that the signature is present.
     *
     * @param sender        the reporting replica
     * @param regency       the new regency the report is for
     * @param lastDecided   the sender's last decided consensus id, -1 if none
     * @param decisionProof the quorum of ACCEPTs that decided {@code lastDecided} (empty if -1)
     * @param votes         the sender's vote histories after {@code lastDecided}, ascending
     * @param signature     the sender's signature, or {@link Bytes#EMPTY} before signing
     */
    public StopData {
        decisionProof = List.copyOf(decisionProof);
        votes = List.copyOf(votes);
        Objects.requireNonNull(signature, "signature");
    }

    /**
     * This STOPDATA with its signature field set.
     *
     * @param newSignature the signature over this message with an empty signature field
     * @return a copy that carries {@code newSignature}
     */
    public StopData withSignature(Bytes newSignature) {
        return new StopData(sender, regency, lastDecided, decisionProof, votes, newSignature);
    }
}
