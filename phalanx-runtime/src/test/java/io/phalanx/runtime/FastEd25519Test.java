package io.phalanx.runtime;

import io.phalanx.core.message.Bytes;
import io.phalanx.core.view.Mode;
import io.phalanx.core.view.View;
import org.junit.jupiter.api.Test;

import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

/** The runtime's verifier checks a replica under the key its view names, cache included. */
class FastEd25519Test {
    private static KeyPair keyPair() throws Exception {
        return KeyPairGenerator.getInstance("Ed25519").generateKeyPair();
    }

    private static View viewWithKey(long id, KeyPair replica0) {
        return new View(id, List.of(0, 1, 2, 3), 1, Mode.BFT, Map.of(0, Bytes.copyOf(replica0.getPublic().getEncoded())));
    }

    @Test
    void aSignatureFoundValidUnderAKeyIsNotValidInAViewThatNamesAnotherKey() throws Exception {
        KeyPair old = keyPair();
        KeyPair rotated = keyPair();
        FastEd25519 verifier = new FastEd25519(Map.of());
        byte[] message = {1, 2, 3};
        Bytes byOld = FastEd25519.signer(old.getPrivate()).sign(message);

        assertThat(verifier.verifyReplica(viewWithKey(0, old), 0, message, byOld)).isTrue();
        assertThat(verifier.verifyReplica(viewWithKey(0, old), 0, message, byOld)).as("from the cache").isTrue();
        assertThat(verifier.verifyReplica(viewWithKey(1, rotated), 0, message, byOld))
                .as("the cached success was under the old key").isFalse();
        assertThat(verifier.verifyReplica(viewWithKey(1, rotated), 0, message,
                FastEd25519.signer(rotated.getPrivate()).sign(message))).isTrue();
    }

    @Test
    void aReplicaWithoutAKeyInTheViewOrOutsideItNeverSignsValidly() throws Exception {
        KeyPair key = keyPair();
        FastEd25519 verifier = new FastEd25519(Map.of());
        byte[] message = {4, 5};
        Bytes signature = FastEd25519.signer(key.getPrivate()).sign(message);

        assertThat(verifier.verifyReplica(View.of(0, 4, 1, Mode.BFT), 0, message, signature)).as("no key named").isFalse();
        assertThat(verifier.verifyReplica(viewWithKey(0, key), 7, message, signature)).as("not a member").isFalse();
        View garbled = new View(0, List.of(0, 1, 2, 3), 1, Mode.BFT, Map.of(0, Bytes.utf8("not a key")));
        assertThat(verifier.verifyReplica(garbled, 0, message, signature)).as("a key that does not decode").isFalse();
    }
}
