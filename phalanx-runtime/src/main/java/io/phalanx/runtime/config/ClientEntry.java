package io.phalanx.runtime.config;

import java.security.cert.X509Certificate;

/**
 * A client allowed to connect to the replicas' client ports. The client id used by the
 * protocol is the one given here, learnt by the replica from the certificate the client
 * presents — never from the client's own messages.
 *
 * @param id          client id
 * @param certificate the client's self-signed certificate
 */
public record ClientEntry(long id, X509Certificate certificate) {
}
