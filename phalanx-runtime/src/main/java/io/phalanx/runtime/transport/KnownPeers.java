package io.phalanx.runtime.transport;

import io.phalanx.runtime.config.ClusterConfig;
import java.nio.ByteBuffer;
import java.security.PublicKey;
import java.security.cert.X509Certificate;
import io.phalanx.core.view.View;

import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.OptionalLong;

/**
 * The directory that turns a presented certificate into a node id: public key (its encoded
 * SubjectPublicKeyInfo) to id. Identity on every connection comes from here and only from
 * here — never from a number the peer sends. A replica's directory follows the views it
 * learns ({@link #replace}); each lookup sees one whole directory, the old or the new.
 */
final class KnownPeers {
    private volatile Map<ByteBuffer, Long> idsByKey;

    private KnownPeers(Map<ByteBuffer, Long> idsByKey) {
        this.idsByKey = Map.copyOf(idsByKey);
    }

    /** Builds the directory; two ids with the same key are a configuration error. */
    static KnownPeers of(Map<Long, X509Certificate> certificatesById) {
        Map<ByteBuffer, Long> ids = new HashMap<>();
        certificatesById.forEach((id, certificate) -> {
            Long previous = ids.put(keyOf(certificate.getPublicKey()), id);
            if (previous != null) {
                throw new IllegalArgumentException("ids " + previous + " and " + id + " share one public key");
            }
        });
        return new KnownPeers(ids);
    }

    /**
     * The directory of the members of {@code views}, oldest first: a member whose key a later
     * view replaced is known by both keys while both views are given; a key that two views give
     * to different replicas (each view checks its own keys are distinct) names the later view's.
     */
    static KnownPeers membersOf(List<View> views) {
        return new KnownPeers(keysOf(views));
    }

    /** Makes the directory that of the members of {@code views} (as {@link #membersOf}). */
    void replace(List<View> views) {
        idsByKey = Map.copyOf(keysOf(views));
    }

    private static Map<ByteBuffer, Long> keysOf(List<View> views) {
        Map<ByteBuffer, Long> ids = new HashMap<>();
        for (View view : views) {
            view.publicKeys().forEach((id, key) -> ids.put(ByteBuffer.wrap(key.toArray()).asReadOnlyBuffer(), (long) id));
        }
        return ids;
    }

    /** The directory of the config's replicas. */
    static KnownPeers replicasOf(ClusterConfig config) {
        Map<Long, X509Certificate> certificates = new HashMap<>();
        config.replicas().forEach(r -> certificates.put((long) r.id(), r.certificate()));
        return of(certificates);
    }

    /** The id whose pinned key this certificate carries, if any. */
    OptionalLong identify(X509Certificate certificate) {
        Long id = idsByKey.get(keyOf(certificate.getPublicKey()));
        return id == null ? OptionalLong.empty() : OptionalLong.of(id);
    }

    int size() {
        return idsByKey.size();
    }

    private static ByteBuffer keyOf(PublicKey key) {
        return ByteBuffer.wrap(key.getEncoded()).asReadOnlyBuffer();
    }
}
