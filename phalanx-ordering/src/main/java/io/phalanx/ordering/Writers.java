package io.phalanx.ordering;

import com.google.protobuf.ByteString;
import com.google.protobuf.InvalidProtocolBufferException;
import io.phalanx.runtime.keys.Pem;
import org.hyperledger.fabric.protos.common.Envelope;
import org.hyperledger.fabric.protos.common.Payload;
import org.hyperledger.fabric.protos.common.SignatureHeader;
import org.hyperledger.fabric.protos.msp.SerializedIdentity;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.math.BigInteger;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.Signature;
import java.security.cert.CertificateFactory;
import java.security.cert.X509Certificate;
import java.security.interfaces.ECPublicKey;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * Who may write to a channel: Fabric's {@code Writers} policy reduced to "a member of one of these
 * organisations". An envelope passes if the creator in its {@code SignatureHeader} is a
 * {@code SerializedIdentity} of a listed MSP whose X.509 certificate one of that MSP's root
 * certificates signed, and the envelope's signature is that certificate's ECDSA signature
 * (SHA-256, with the low S that Fabric requires) over the payload bytes.
 *
 * <p>A pure function of the envelope, with no clock (certificates' validity dates are not
 * checked), so every node reaches the same verdict: the ordering nodes run it as the proposal
 * check, so a leader cannot get an envelope ordered that correct nodes refuse, and a frontend runs
 * it before ordering, to answer {@code FORBIDDEN} at once. It keeps the digests of the last
 * envelopes it passed, so the node's second check of an envelope (on arrival, then in the
 * proposal) costs a hash, not a signature verification. Intermediate authorities and revocation
 * lists are not supported.
 */
public final class Writers {
    /** No check: anyone may write. */
    public static final Writers ANYONE = new Writers(Map.of());
    private static final int REMEMBERED = 8192;

    private final Map<String, List<X509Certificate>> rootsByMsp;
    private final Map<ByteString, Boolean> passed = new LinkedHashMap<>(16, 0.75f, false) {
        private static final long serialVersionUID = 1L;

        @Override
        protected boolean removeEldestEntry(Map.Entry<ByteString, Boolean> eldest) {
            return size() > REMEMBERED;
        }
    };

    /**
     * Writers who are members of the MSPs of {@code rootsByMsp}; none: anyone.
     *
     * @param rootsByMsp each MSP's root certificates, by MSP id
     */
    public Writers(Map<String, List<X509Certificate>> rootsByMsp) {
        Map<String, List<X509Certificate>> copy = new TreeMap<>();
        rootsByMsp.forEach((msp, roots) -> {
            if (roots.isEmpty()) {
                throw new IllegalArgumentException("MSP " + msp + " has no root certificate");
            }
            copy.put(msp, List.copyOf(roots));
        });
        this.rootsByMsp = Map.copyOf(copy);
    }

    /**
     * Reads each MSP's root certificates from a PEM file.
     *
     * @param pemByMsp the PEM file of each MSP's root certificates, by MSP id
     * @return the writers
     * @throws IOException if a file cannot be read or holds no certificate; the message names it
     */
    public static Writers load(Map<String, Path> pemByMsp) throws IOException {
        Map<String, List<X509Certificate>> roots = new TreeMap<>();
        for (Map.Entry<String, Path> msp : pemByMsp.entrySet()) {
            List<X509Certificate> certificates = Pem.readCertificates(msp.getValue());
            if (certificates.isEmpty()) {
                throw new IOException("MSP " + msp.getKey() + ": " + msp.getValue() + " holds no certificate");
            }
            roots.put(msp.getKey(), certificates);
        }
        return new Writers(roots);
    }

    /**
     * Whether any envelope passes (no MSP is listed).
     *
     * @return true if nothing is checked
     */
    public boolean anyone() {
        return rootsByMsp.isEmpty();
    }

    /**
     * Why {@code envelope} may not be written, or null if it may.
     *
     * @param envelope a parsed envelope
     * @return the reason, naming the creator's MSP where it has one; null if it passes
     */
    public String problem(Envelope envelope) {
        if (anyone()) {
            return null;
        }
        ByteString digest = ByteString.copyFrom(Blocks.sha256().digest(envelope.toByteArray()));
        synchronized (passed) {
            if (passed.containsKey(digest)) {
                return null;
            }
        }
        String problem = check(envelope);
        if (problem == null) {
            synchronized (passed) {
                passed.put(digest, Boolean.TRUE);
            }
        }
        return problem;
    }

    private String check(Envelope envelope) {
        SerializedIdentity creator;
        try {
            Payload payload = Payload.parseFrom(envelope.getPayload());
            SignatureHeader header = SignatureHeader.parseFrom(payload.getHeader().getSignatureHeader());
            if (header.getCreator().isEmpty()) {
                return "the envelope names no creator";
            }
            creator = SerializedIdentity.parseFrom(header.getCreator());
        } catch (InvalidProtocolBufferException e) {
            return "the envelope's signature header is malformed: " + e.getMessage();
        }
        List<X509Certificate> roots = rootsByMsp.get(creator.getMspid());
        if (roots == null) {
            return "the creator's MSP '" + creator.getMspid() + "' is not among the channel's writers " + rootsByMsp.keySet();
        }
        X509Certificate certificate;
        try {
            certificate = (X509Certificate) CertificateFactory.getInstance("X.509")
                    .generateCertificate(new ByteArrayInputStream(creator.getIdBytes().toByteArray()));
        } catch (GeneralSecurityException | ClassCastException e) {
            return "the creator's certificate cannot be read: " + e.getMessage();
        }
        if (!issuedByOneOf(certificate, roots)) {
            return "the creator's certificate (" + certificate.getSubjectX500Principal() + ") is not issued by a root of MSP '"
                    + creator.getMspid() + "'";
        }
        if (!(certificate.getPublicKey() instanceof ECPublicKey key)) {
            return "the creator's key is no ECDSA key";
        }
        byte[] signature = envelope.getSignature().toByteArray();
        BigInteger s = secondInteger(signature);
        if (s == null) {
            return "the envelope's signature is no DER-encoded ECDSA signature";
        }
        if (s.compareTo(key.getParams().getOrder().shiftRight(1)) > 0) {
            return "the envelope's signature has a high S (Fabric accepts low-S signatures only)";
        }
        try {
            Signature verifier = Signature.getInstance("SHA256withECDSA");
            verifier.initVerify(key);
            verifier.update(envelope.getPayload().toByteArray());
            if (!verifier.verify(signature)) {
                return "the envelope's signature does not verify under its creator's certificate";
            }
        } catch (GeneralSecurityException e) {
            return "the envelope's signature does not verify: " + e.getMessage();
        }
        return null;
    }

    private static boolean issuedByOneOf(X509Certificate certificate, List<X509Certificate> roots) {
        for (X509Certificate root : roots) {
            if (!root.getSubjectX500Principal().equals(certificate.getIssuerX500Principal())) {
                continue;
            }
            try {
                certificate.verify(root.getPublicKey());
                return true;
            } catch (GeneralSecurityException e) {
                // another root of the same name may have signed it
            }
        }
        return false;
    }

    /**
     * The S of a DER {@code SEQUENCE { INTEGER r, INTEGER s }}, or null if {@code der} is not one
     * (exactly, with nothing after it).
     */
    static BigInteger secondInteger(byte[] der) {
        int[] at = {0};
        if (der.length < 2 || der[at[0]++] != 0x30) {
            return null;
        }
        int length = length(der, at);
        if (length < 0 || at[0] + length != der.length) {
            return null;
        }
        BigInteger r = integer(der, at);
        BigInteger s = r == null ? null : integer(der, at);
        return s != null && at[0] == der.length && r.signum() > 0 && s.signum() > 0 ? s : null;
    }

    private static BigInteger integer(byte[] der, int[] at) {
        if (at[0] >= der.length || der[at[0]++] != 0x02) {
            return null;
        }
        int length = length(der, at);
        if (length <= 0 || at[0] + length > der.length) {
            return null;
        }
        BigInteger value = new BigInteger(Arrays.copyOfRange(der, at[0], at[0] + length));
        at[0] += length;
        return value;
    }

    /** A DER length (short form, or long form of one or two bytes); -1 if malformed. */
    private static int length(byte[] der, int[] at) {
        if (at[0] >= der.length) {
            return -1;
        }
        int first = der[at[0]++] & 0xff;
        if (first < 0x80) {
            return first;
        }
        int bytes = first & 0x7f;
        if (bytes < 1 || bytes > 2 || at[0] + bytes > der.length) {
            return -1;
        }
        int length = 0;
        for (int i = 0; i < bytes; i++) {
            length = (length << 8) | (der[at[0]++] & 0xff);
        }
        return length;
    }
}
