package io.phalanx.runtime.keys;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.GeneralSecurityException;
import java.security.PrivateKey;
import java.security.Signature;
import java.security.cert.X509Certificate;
import java.util.Collections;
import java.util.EnumSet;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Loads a node's private key at start and checks it belongs to the certificate the cluster
 * file lists for that node: a mismatched key would otherwise show up only as every peer
 * rejecting our handshakes. A key file that group or others may read is used, with a WARN
 * (once per file and process): refusing it would stop a cluster over a deployment slip, but
 * whoever can read the key can act as this node.
 */
public final class KeyFiles {
    private static final Logger log = LoggerFactory.getLogger(KeyFiles.class);
    private static final Set<PosixFilePermission> READABLE_BY_OTHERS =
            EnumSet.of(PosixFilePermission.GROUP_READ, PosixFilePermission.OTHERS_READ);
    /** Key files already warned about; bounded by the key files one process loads (one or a few). */
    private static final Set<Path> warned = ConcurrentHashMap.newKeySet();

    private KeyFiles() {
    }

    /**
     * Reads {@code privateKeyFile} and pairs it with {@code certificate}, after proving they match.
     * Warns once if the key file is readable by group or others.
     *
     * @param privateKeyFile the PEM file of the node's private key
     * @param certificate    the node's certificate from the cluster file
     * @return the node's identity
     * @throws IOException if the file cannot be read or parsed, or the key does not match the certificate
     */
    public static NodeIdentity loadIdentity(Path privateKeyFile, X509Certificate certificate) throws IOException {
        PrivateKey key = Pem.readPrivateKey(privateKeyFile);
        if (!matches(key, certificate)) {
            throw new IOException(Pem.KEY_FILE + " " + privateKeyFile + ": private key does not match certificate "
                    + certificate.getSubjectX500Principal());
        }
        warnIfReadableByOthers(privateKeyFile);
        return new NodeIdentity(key, certificate);
    }

    private static void warnIfReadableByOthers(Path keyFile) {
        Set<PosixFilePermission> permissions;
        try {
            permissions = Files.getPosixFilePermissions(keyFile);
        } catch (UnsupportedOperationException e) {
            return; // no POSIX permissions on this file system (e.g. Windows): nothing to check
        } catch (IOException e) {
            log.warn("{} {}: cannot read its permissions to check who may read it: {}", Pem.KEY_FILE, keyFile, e.toString());
            return;
        }
        if (!Collections.disjoint(permissions, READABLE_BY_OTHERS) && warned.add(keyFile.toAbsolutePath().normalize())) {
            log.warn("{} {} is readable by group or others (permissions {}); whoever can read it can act as this node."
                    + " Make it rw------- (chmod 600 {})", Pem.KEY_FILE, keyFile, PosixFilePermissions.toString(permissions),
                    keyFile);
        }
    }

    /**
     * Whether a private key belongs to a certificate, proved by signing a probe.
     *
     * @param key         the private key
     * @param certificate the certificate
     * @return true if a signature made with {@code key} verifies under the certificate's public key
     */
    public static boolean matches(PrivateKey key, X509Certificate certificate) {
        try {
            byte[] probe = "phalanx key check".getBytes(StandardCharsets.US_ASCII);
            Signature signer = Signature.getInstance(key.getAlgorithm());
            signer.initSign(key);
            signer.update(probe);
            byte[] signature = signer.sign();
            Signature verifier = Signature.getInstance(certificate.getPublicKey().getAlgorithm());
            verifier.initVerify(certificate.getPublicKey());
            verifier.update(probe);
            return verifier.verify(signature);
        } catch (GeneralSecurityException e) {
            return false;
        }
    }
}
