package io.phalanx.core.crypto;

import java.security.GeneralSecurityException;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.PublicKey;
import java.util.HashMap;
import java.util.Map;

/** Real Ed25519 key pairs for replicas 0..n-1 and clients 1..m, for tests. */
public final class TestKeys {
    private final Map<Integer, KeyPair> replicas = new HashMap<>();
    private final Map<Long, KeyPair> clients = new HashMap<>();
    private final SignatureVerifier verifier;

    public TestKeys(int replicaCount, int clientCount) {
        try {
            KeyPairGenerator generator = KeyPairGenerator.getInstance("Ed25519");
            Map<Integer, PublicKey> replicaKeys = new HashMap<>();
            Map<Long, PublicKey> clientKeys = new HashMap<>();
            for (int id = 0; id < replicaCount; id++) {
                replicas.put(id, generator.generateKeyPair());
                replicaKeys.put(id, replicas.get(id).getPublic());
            }
            for (long id = 1; id <= clientCount; id++) {
                clients.put(id, generator.generateKeyPair());
                clientKeys.put(id, clients.get(id).getPublic());
            }
            this.verifier = Ed25519.verifier(replicaKeys, clientKeys);
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException(e);
        }
    }

    public Signer replica(int id) {
        return Ed25519.signer(replicas.get(id).getPrivate());
    }

    public Signer client(long id) {
        return Ed25519.signer(clients.get(id).getPrivate());
    }

    public SignatureVerifier verifier() {
        return verifier;
    }
}
