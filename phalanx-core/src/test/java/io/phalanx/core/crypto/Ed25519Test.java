package io.phalanx.core.crypto;

import io.phalanx.core.codec.MessageCodec;
import io.phalanx.core.message.Bytes;
import io.phalanx.core.message.Digest;
import io.phalanx.core.message.Accept;
import io.phalanx.core.view.Mode;
import io.phalanx.core.view.View;
import org.junit.jupiter.api.Test;

import java.security.InvalidKeyException;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class Ed25519Test {
    private static final Digest DIGEST = new Digest(Bytes.copyOf(new byte[32]));
    /** A view without keys: the verifier's own keys by replica id apply. */
    private static final View VIEW = View.of(0, 4, 1, Mode.BFT);

    @Test
    void aSignedAcceptVerifiesUnderItsSendersKeyOnly() throws Exception {
        KeyPair r0 = KeyPairGenerator.getInstance("Ed25519").generateKeyPair();
        KeyPair r1 = KeyPairGenerator.getInstance("Ed25519").generateKeyPair();
        SignatureVerifier verifier = Ed25519.verifier(Map.of(0, r0.getPublic(), 1, r1.getPublic()), Map.of());
        Accept unsigned = new Accept(0, 7, 1, DIGEST);
        byte[] payload = MessageCodec.signedBytes(unsigned);
        Bytes signature = Ed25519.signer(r0.getPrivate()).sign(payload);

        assertThat(signature.length()).isEqualTo(Ed25519.SIGNATURE_LENGTH);
        assertThat(verifier.verifyReplica(VIEW, 0, payload, signature)).isTrue();
        assertThat(verifier.verifyReplica(VIEW, 1, payload, signature)).as("someone else's key").isFalse();
        assertThat(verifier.verifyReplica(VIEW, 9, payload, signature)).as("unknown replica").isFalse();
        assertThat(verifier.verifyReplica(VIEW, 0, MessageCodec.signedBytes(new Accept(0, 8, 1, DIGEST)), signature))
                .as("another message").isFalse();
    }

    @Test
    void aReplicasSignatureIsCheckedUnderTheKeyItsViewNames() throws Exception {
        KeyPair old = KeyPairGenerator.getInstance("Ed25519").generateKeyPair();
        KeyPair rotated = KeyPairGenerator.getInstance("Ed25519").generateKeyPair();
        SignatureVerifier verifier = Ed25519.verifier(Map.of(0, old.getPublic()), Map.of());
        View before = new View(0, java.util.List.of(0, 1, 2, 3), 1, Mode.BFT,
                Map.of(0, Bytes.copyOf(old.getPublic().getEncoded())));
        View after = new View(1, java.util.List.of(0, 1, 2, 3), 1, Mode.BFT,
                Map.of(0, Bytes.copyOf(rotated.getPublic().getEncoded())));
        byte[] payload = MessageCodec.signedBytes(new Accept(0, 7, 1, DIGEST));
        Bytes byOld = Ed25519.signer(old.getPrivate()).sign(payload);
        Bytes byRotated = Ed25519.signer(rotated.getPrivate()).sign(payload);

        assertThat(verifier.verifyReplica(before, 0, payload, byOld)).isTrue();
        assertThat(verifier.verifyReplica(after, 0, payload, byOld)).as("a key the view no longer names").isFalse();
        assertThat(verifier.verifyReplica(after, 0, payload, byRotated)).isTrue();
        assertThat(verifier.verifyReplica(View.of(0, 4, 1, Mode.BFT), 5, payload, byOld)).as("not a member").isFalse();
    }

    @Test
    void malformedSignaturesAreInvalidNotErrors() throws Exception {
        KeyPair r0 = KeyPairGenerator.getInstance("Ed25519").generateKeyPair();
        SignatureVerifier verifier = Ed25519.verifier(Map.of(0, r0.getPublic()), Map.of(5L, r0.getPublic()));
        byte[] message = {1, 2, 3};
        assertThat(verifier.verifyReplica(VIEW, 0, message, Bytes.EMPTY)).isFalse();
        assertThat(verifier.verifyReplica(VIEW, 0, message, Bytes.copyOf(new byte[64]))).isFalse();
        assertThat(verifier.verifyClient(5, message, Bytes.utf8("x".repeat(64)))).isFalse();
        assertThat(verifier.verifyClient(6, message, Bytes.copyOf(new byte[64]))).as("unknown client").isFalse();
    }

    @Test
    void publicKeysRoundTripThroughTheirEncoding() throws Exception {
        KeyPair pair = KeyPairGenerator.getInstance("Ed25519").generateKeyPair();
        Bytes encoded = Bytes.copyOf(pair.getPublic().getEncoded());
        assertThat(Ed25519.publicKey(encoded)).isEqualTo(pair.getPublic());
        assertThatThrownBy(() -> Ed25519.publicKey(Bytes.utf8("not a key"))).isInstanceOf(InvalidKeyException.class);
    }
}
