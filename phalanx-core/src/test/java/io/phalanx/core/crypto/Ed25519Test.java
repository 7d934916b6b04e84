package io.phalanx.core.crypto;

import io.phalanx.core.codec.MessageCodec;
import io.phalanx.core.message.Bytes;
import io.phalanx.core.message.Digest;
import io.phalanx.core.message.Accept;
import org.junit.jupiter.api.Test;

import java.security.InvalidKeyException;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class Ed25519Test {
    private static final Digest DIGEST = new Digest(Bytes.copyOf(new byte[32]));

    @Test
    void aSignedAcceptVerifiesUnderItsSendersKeyOnly() throws Exception {
        KeyPair r0 = KeyPairGenerator.getInstance("Ed25519").generateKeyPair();
        KeyPair r1 = KeyPairGenerator.getInstance("Ed25519").generateKeyPair();
        SignatureVerifier verifier = Ed25519.verifier(Map.of(0, r0.getPublic(), 1, r1.getPublic()), Map.of());
        Accept unsigned = new Accept(0, 7, 1, DIGEST);
        byte[] payload = MessageCodec.signedBytes(unsigned);
        Bytes signature = Ed25519.signer(r0.getPrivate()).sign(payload);

        assertThat(signature.length()).isEqualTo(Ed25519.SIGNATURE_LENGTH);
        assertThat(verifier.verifyReplica(0, payload, signature)).isTrue();
        assertThat(verifier.verifyReplica(1, payload, signature)).as("someone else's key").isFalse();
        assertThat(verifier.verifyReplica(9, payload, signature)).as("unknown replica").isFalse();
        assertThat(verifier.verifyReplica(0, MessageCodec.signedBytes(new Accept(0, 8, 1, DIGEST)), signature))
                .as("another message").isFalse();
    }

    @Test
    void malformedSignaturesAreInvalidNotErrors() throws Exception {
        KeyPair r0 = KeyPairGenerator.getInstance("Ed25519").generateKeyPair();
        SignatureVerifier verifier = Ed25519.verifier(Map.of(0, r0.getPublic()), Map.of(5L, r0.getPublic()));
        byte[] message = {1, 2, 3};
        assertThat(verifier.verifyReplica(0, message, Bytes.EMPTY)).isFalse();
        assertThat(verifier.verifyReplica(0, message, Bytes.copyOf(new byte[64]))).isFalse();
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
