package io.phalanx.runtime.keys;

import javax.net.ssl.SSLEngine;
import javax.net.ssl.X509ExtendedTrustManager;
import java.net.Socket;
import java.security.cert.CertificateException;
import java.security.PublicKey;
import java.security.cert.X509Certificate;
import java.util.Collection;
import java.util.HashSet;
import java.util.Set;
import java.util.function.Predicate;

/**
 * Accepts a TLS peer only if its leaf certificate carries a known public key: one of a replica
 * directory's (the mesh, where the directory follows the views), or one of a fixed set
 * ({@link #pinnedTo}, the ordering service's gRPC endpoints). There is no certificate authority:
 * every identity is pinned in the cluster file. Possession of the matching private key is proven by the TLS handshake
 * itself (CertificateVerify), so the pinned key is all that needs checking here; validity dates
 * are deliberately ignored (a pinned key stays valid until the config drops it).
 *
 * <p>Which peer it is, and whether that peer may use this connection, is decided after the
 * handshake by the connection handler; this class only keeps strangers out of the handshake.
 */
public final class PinnedTrustManager extends X509ExtendedTrustManager {
    private final Predicate<X509Certificate> known;
    private final String where;

    /**
     * A trust manager that accepts the certificates {@code known} accepts.
     *
     * @param known whether a leaf certificate's key is pinned
     * @param where where the pinned keys come from, for the refusal's message
     */
    public PinnedTrustManager(Predicate<X509Certificate> known, String where) {
        this.known = known;
        this.where = where;
    }

    /**
     * A trust manager that accepts exactly the certificates of {@code keys}.
     *
     * @param keys  the public keys to accept
     * @param where where they come from, for the refusal's message
     * @return the trust manager
     */
    public static PinnedTrustManager pinnedTo(Collection<PublicKey> keys, String where) {
        Set<java.nio.ByteBuffer> encoded = new HashSet<>();
        keys.forEach(key -> encoded.add(java.nio.ByteBuffer.wrap(key.getEncoded())));
        Set<java.nio.ByteBuffer> pinned = Set.copyOf(encoded);
        return new PinnedTrustManager(certificate -> pinned.contains(
                java.nio.ByteBuffer.wrap(certificate.getPublicKey().getEncoded())), where);
    }

    private void check(X509Certificate[] chain) throws CertificateException {
        if (chain == null || chain.length == 0) {
            throw new CertificateException("no certificate presented");
        }
        if (!known.test(chain[0])) {
            throw new CertificateException("certificate not in " + where + ": " + chain[0].getSubjectX500Principal());
        }
    }

    @Override
    public void checkClientTrusted(X509Certificate[] chain, String authType) throws CertificateException {
        check(chain);
    }

    @Override
    public void checkServerTrusted(X509Certificate[] chain, String authType) throws CertificateException {
        check(chain);
    }

    @Override
    public void checkClientTrusted(X509Certificate[] chain, String authType, Socket socket) throws CertificateException {
        check(chain);
    }

    @Override
    public void checkServerTrusted(X509Certificate[] chain, String authType, Socket socket) throws CertificateException {
        check(chain);
    }

    @Override
    public void checkClientTrusted(X509Certificate[] chain, String authType, SSLEngine engine) throws CertificateException {
        check(chain);
    }

    @Override
    public void checkServerTrusted(X509Certificate[] chain, String authType, SSLEngine engine) throws CertificateException {
        check(chain);
    }

    @Override
    public X509Certificate[] getAcceptedIssuers() {
        return new X509Certificate[0];
    }
}
