package io.phalanx.runtime;

import io.phalanx.core.crypto.KeyRing;
import io.phalanx.core.crypto.Signer;
import io.phalanx.core.message.Bytes;
import io.phalanx.core.view.View;
import io.phalanx.runtime.keys.KeyFiles;
import io.phalanx.runtime.keys.NodeIdentity;
import io.phalanx.runtime.keys.Pem;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.cert.X509Certificate;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The keys one replica holds: the one it started with and, for a key rotation, the next one.
 * It signs, and presents in TLS, the key the view in force names for it ({@link KeyRing}), so an
 * administrator's {@code ViewChange.Replace} takes effect at the new view's first instance.
 *
 * <p>The next key is a private key file and the certificate beside it (same name, {@code .crt}
 * for {@code .key}). It is read at start if present, and again whenever a view names a key the
 * replica does not hold yet, so the operator may put it in place while the replica runs, before
 * or after the change is decided. A view in force that names a key it cannot find stops the
 * replica with a message naming the file (it could not sign a single vote).
 */
final class ReplicaKeys implements KeyRing {
    private static final Logger log = LoggerFactory.getLogger(ReplicaKeys.class);

    private final String name;
    private final int selfId;
    private final Path nextKeyFile;
    private final Map<Bytes, NodeIdentity> identities = new ConcurrentHashMap<>();
    private final Map<Bytes, Signer> signers = new ConcurrentHashMap<>();
    /** Keys a view named that were looked for and not found, so the warning is written once per key. */
    private final Map<Bytes, Boolean> missingReported = new ConcurrentHashMap<>();

    /**
     * @param first       the identity the replica started with (its key file and the cluster file's certificate)
     * @param next        a next identity given directly (tests), or null
     * @param nextKeyFile where the next private key is looked for (its certificate beside it), or null
     */
    ReplicaKeys(String name, int selfId, NodeIdentity first, NodeIdentity next, Path nextKeyFile) {
        this.name = name;
        this.selfId = selfId;
        this.nextKeyFile = nextKeyFile;
        add(first);
        if (next != null) {
            add(next);
        }
        loadNext();
    }

    /** The certificate file that goes with a next key file: {@code .key} replaced by {@code .crt}. */
    static Path certificateBeside(Path keyFile) {
        String file = keyFile.getFileName().toString();
        String base = file.endsWith(".key") ? file.substring(0, file.length() - ".key".length()) : file;
        return keyFile.resolveSibling(base + ".crt");
    }

    private void add(NodeIdentity identity) {
        Bytes key = Bytes.copyOf(identity.certificate().getPublicKey().getEncoded());
        identities.put(key, identity);
        signers.computeIfAbsent(key, k -> CoreSettings.signer(identity.privateKey()));
    }

    /** Reads the next key file if it exists; a bad one is logged, not fatal, until a view in force needs it. */
    private void loadNext() {
        if (nextKeyFile == null || !Files.exists(nextKeyFile)) {
            return;
        }
        Path certificateFile = certificateBeside(nextKeyFile);
        try {
            X509Certificate certificate = Pem.readCertificate(certificateFile);
            add(KeyFiles.loadIdentity(nextKeyFile, certificate));
        } catch (IOException e) {
            log.error("{}: cannot use its next key {} with certificate {}: {}", name, nextKeyFile, certificateFile,
                    e.getMessage());
        }
    }

    /**
     * The identity whose key {@code view} names for this replica, reading the next key file again
     * if it is not held yet.
     *
     * @return the identity, or null if the replica does not hold that key (or the view names none)
     */
    NodeIdentity identityFor(View view) {
        Bytes key = view.publicKeys().get(selfId);
        if (key == null) {
            return null;
        }
        NodeIdentity identity = identities.get(key);
        if (identity == null) {
            loadNext();
            identity = identities.get(key);
        }
        if (identity == null && missingReported.putIfAbsent(key, Boolean.TRUE) == null) {
            log.error("{}: view {} names a key for it that it does not hold: put the private key at {} and its"
                    + " certificate at {}; without it the replica cannot vote once that view is in force", name,
                    view.id(), where(), nextKeyFile == null ? "(no next key file)" : certificateBeside(nextKeyFile));
        }
        return identity;
    }

    @Override
    public Signer signerFor(View view, int replicaId) {
        Bytes key = view.publicKeys().get(replicaId);
        Signer signer = replicaId == selfId && key != null ? signers.get(key) : null;
        if (signer == null && replicaId == selfId && identityFor(view) != null) {
            signer = signers.get(key);
        }
        if (signer == null) {
            throw new IllegalStateException(name + " does not hold the key view " + view.id() + " names for replica "
                    + replicaId + " (the next key is read from " + where() + ")");
        }
        return signer;
    }

    private String where() {
        return nextKeyFile == null ? "nowhere: no next key file" : nextKeyFile.toString();
    }
}
