package io.phalanx.runtime.keys;

import org.bouncycastle.asn1.x500.X500Name;
import org.bouncycastle.asn1.x509.BasicConstraints;
import org.bouncycastle.asn1.x509.Extension;
import org.bouncycastle.asn1.x509.KeyUsage;
import org.bouncycastle.cert.X509v3CertificateBuilder;
import org.bouncycastle.cert.jcajce.JcaX509CertificateConverter;
import org.bouncycastle.cert.jcajce.JcaX509v3CertificateBuilder;
import org.bouncycastle.operator.OperatorCreationException;
import org.bouncycastle.operator.jcajce.JcaContentSignerBuilder;

import java.math.BigInteger;
import java.security.GeneralSecurityException;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.SecureRandom;
import java.security.cert.CertificateException;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.time.Instant;
import java.util.Date;

/**
 * Makes Ed25519 key pairs and self-signed X.509 certificates for replicas and clients.
 *
 * <p>Why self-signed: a Phalanx cluster pins every node's certificate in its config file, so
 * there is no certificate authority to trust and nothing to revoke — removing a node from the
 * config (or the view) removes its identity. The subject names the node ({@code CN=replica-3},
 * {@code CN=client-1000}) for humans; the transport identifies peers by public key only.
 */
public final class Certificates {
    /** Certificates are pinned, not validated against the clock; ten years keeps tools quiet. */
    public static final Duration VALIDITY = Duration.ofDays(3650);

    private final SecureRandom random;

    /**
     * A maker of key pairs and certificates.
     *
     * @param random the source of keys and serial numbers
     */
    public Certificates(SecureRandom random) {
        this.random = random;
    }

    /**
     * A new Ed25519 key pair and a self-signed certificate whose subject is {@code CN=commonName}.
     *
     * @param commonName the node's name, e.g. {@code replica-3}
     * @param now        the current time; the certificate is valid from a day before it for {@link #VALIDITY}
     * @return the private key and its certificate
     * @throws IllegalStateException if the JDK or Bouncy Castle cannot make Ed25519 keys
     */
    public NodeIdentity generate(String commonName, Instant now) {
        try {
            KeyPairGenerator generator = KeyPairGenerator.getInstance("Ed25519");
            generator.initialize(255, random);
            KeyPair pair = generator.generateKeyPair();
            X500Name name = new X500Name("CN=" + commonName + ",O=Phalanx");
            X509v3CertificateBuilder builder = new JcaX509v3CertificateBuilder(
                    name, new BigInteger(63, random).add(BigInteger.ONE),
                    Date.from(now.minus(Duration.ofDays(1))), Date.from(now.plus(VALIDITY)),
                    name, pair.getPublic());
            builder.addExtension(Extension.basicConstraints, true, new BasicConstraints(false));
            builder.addExtension(Extension.keyUsage, true, new KeyUsage(KeyUsage.digitalSignature));
            X509Certificate certificate = new JcaX509CertificateConverter().getCertificate(
                    builder.build(new JcaContentSignerBuilder("Ed25519").build(pair.getPrivate())));
            return new NodeIdentity(pair.getPrivate(), certificate);
        } catch (GeneralSecurityException | OperatorCreationException | java.io.IOException e) {
            throw new IllegalStateException("cannot generate an Ed25519 certificate for " + commonName, e);
        }
    }

    /**
     * Checks that the certificate's signature verifies under its own key (it is self-signed).
     *
     * @param certificate the certificate to check
     * @throws CertificateException if its signature does not verify under its own public key
     */
    public static void checkSelfSigned(X509Certificate certificate) throws CertificateException {
        try {
            certificate.verify(certificate.getPublicKey());
        } catch (GeneralSecurityException e) {
            throw new CertificateException("not a valid self-signed certificate: " + e.getMessage(), e);
        }
    }
}
