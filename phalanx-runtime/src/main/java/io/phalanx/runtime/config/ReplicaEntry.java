package io.phalanx.runtime.config;

import java.security.PublicKey;
import java.security.cert.X509Certificate;

/**
 * One replica of the view as the cluster file names it. The certificate is the replica's
 * identity: peers recognise it on every connection by the certificate's public key, and the
 * same Ed25519 key signs its protocol messages.
 *
 * @param id          replica id, unique in the view
 * @param host        address other replicas and clients connect to
 * @param port        replica-to-replica (mesh) port
 * @param clientPort  port clients connect to
 * @param certificate the replica's self-signed certificate (loaded from the file's path)
 * @param admin       where it serves {@code /metrics} and {@code /status}, or null: no admin port
 */
public record ReplicaEntry(int id, String host, int port, int clientPort, X509Certificate certificate,
                           AdminEndpoint admin) {
    /**
     * A replica without an admin port.
     *
     * @param id          replica id, unique in the view
     * @param host        address other replicas and clients connect to
     * @param port        replica-to-replica (mesh) port
     * @param clientPort  port clients connect to
     * @param certificate the replica's self-signed certificate
     */
    public ReplicaEntry(int id, String host, int port, int clientPort, X509Certificate certificate) {
        this(id, host, port, clientPort, certificate, null);
    }

    /**
     * The same replica serving its admin endpoints at {@code endpoint} (null: none).
     *
     * @param endpoint where to serve them, or null
     * @return the changed entry
     */
    public ReplicaEntry withAdmin(AdminEndpoint endpoint) {
        return new ReplicaEntry(id, host, port, clientPort, certificate, endpoint);
    }

    /**
     * The replica's identity key, which also verifies its signatures.
     *
     * @return the certificate's public key
     */
    public PublicKey publicKey() {
        return certificate.getPublicKey();
    }

    /**
     * The mesh endpoint, for log lines.
     *
     * @return {@code host:port}
     */
    public String meshAddress() {
        return host + ":" + port;
    }
}
