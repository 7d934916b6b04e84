package io.phalanx.ordering;

import com.google.protobuf.ByteString;
import org.bouncycastle.asn1.x500.X500Name;
import org.bouncycastle.asn1.x509.BasicConstraints;
import org.bouncycastle.asn1.x509.Extension;
import org.bouncycastle.cert.jcajce.JcaX509CertificateConverter;
import org.bouncycastle.cert.jcajce.JcaX509v3CertificateBuilder;
import org.bouncycastle.operator.jcajce.JcaContentSignerBuilder;
import org.hyperledger.fabric.protos.common.ChannelHeader;
import org.hyperledger.fabric.protos.common.Envelope;
import org.hyperledger.fabric.protos.common.Header;
import org.hyperledger.fabric.protos.common.HeaderType;
import org.hyperledger.fabric.protos.common.Payload;
import org.hyperledger.fabric.protos.common.SignatureHeader;
import org.hyperledger.fabric.protos.msp.SerializedIdentity;

import java.math.BigInteger;
import java.nio.charset.StandardCharsets;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.PrivateKey;
import java.security.Signature;
import java.security.cert.X509Certificate;
import java.security.interfaces.ECPrivateKey;
import java.security.spec.ECGenParameterSpec;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.Base64;
import java.util.Date;

/**
 * A Fabric organisation for tests: an ECDSA P-256 root authority of MSP {@code mspId} and a member
 * it issued, who signs envelopes as a Fabric SDK does (SHA-256, low S).
 */
final class TestOrganisation {
    final String mspId;
    final X509Certificate root;
    final X509Certificate member;
    private final PrivateKey memberKey;

    TestOrganisation(String mspId) throws Exception {
        this.mspId = mspId;
        KeyPair rootKeys = ecKeys();
        this.root = certificate("CN=ca." + mspId, rootKeys, "CN=ca." + mspId, rootKeys.getPrivate(), true);
        KeyPair memberKeys = ecKeys();
        this.member = certificate("CN=user." + mspId, memberKeys, "CN=ca." + mspId, rootKeys.getPrivate(), false);
        this.memberKey = memberKeys.getPrivate();
    }

    private static KeyPair ecKeys() throws Exception {
        KeyPairGenerator generator = KeyPairGenerator.getInstance("EC");
        generator.initialize(new ECGenParameterSpec("secp256r1"));
        return generator.generateKeyPair();
    }

    private static X509Certificate certificate(String subject, KeyPair keys, String issuer, PrivateKey issuerKey,
                                               boolean authority) throws Exception {
        Instant now = Instant.now();
        var builder = new JcaX509v3CertificateBuilder(new X500Name(issuer), BigInteger.valueOf(now.toEpochMilli()),
                Date.from(now.minus(1, ChronoUnit.DAYS)), Date.from(now.plus(365, ChronoUnit.DAYS)), new X500Name(subject),
                keys.getPublic());
        builder.addExtension(Extension.basicConstraints, true, new BasicConstraints(authority));
        return new JcaX509CertificateConverter().getCertificate(
                builder.build(new JcaContentSignerBuilder("SHA256withECDSA").build(issuerKey)));
    }

    /** The member's certificate in PEM, as a SerializedIdentity carries it. */
    ByteString memberPem() {
        try {
            String pem = "-----BEGIN CERTIFICATE-----\n"
                    + Base64.getMimeEncoder(64, "\n".getBytes(StandardCharsets.US_ASCII)).encodeToString(member.getEncoded())
                    + "\n-----END CERTIFICATE-----\n";
            return ByteString.copyFromUtf8(pem);
        } catch (java.security.cert.CertificateEncodingException e) {
            throw new IllegalStateException(e);
        }
    }

    /** A transaction on {@code channel} created and signed by the member, with {@code dataBytes} of data. */
    Envelope signedTransaction(String channel, String txId, int dataBytes) throws Exception {
        Payload payload = payload(channel, txId, dataBytes, memberPem(), mspId);
        return Envelope.newBuilder().setPayload(payload.toByteString())
                .setSignature(ByteString.copyFrom(sign(payload.toByteArray(), false))).build();
    }

    /** The payload of a transaction whose creator is {@code mspId}'s identity {@code pem}. */
    static Payload payload(String channel, String txId, int dataBytes, ByteString pem, String mspId) {
        SerializedIdentity creator = SerializedIdentity.newBuilder().setMspid(mspId).setIdBytes(pem).build();
        ChannelHeader channelHeader = ChannelHeader.newBuilder().setType(HeaderType.ENDORSER_TRANSACTION_VALUE)
                .setChannelId(channel).setTxId(txId).build();
        SignatureHeader signatureHeader = SignatureHeader.newBuilder().setCreator(creator.toByteString())
                .setNonce(ByteString.copyFromUtf8(txId)).build();
        return Payload.newBuilder().setHeader(Header.newBuilder().setChannelHeader(channelHeader.toByteString())
                .setSignatureHeader(signatureHeader.toByteString())).setData(ByteString.copyFrom(new byte[dataBytes])).build();
    }

    /** The member's ECDSA signature of {@code bytes}: with the low S Fabric wants, or the high one. */
    byte[] sign(byte[] bytes, boolean highS) throws Exception {
        Signature signer = Signature.getInstance("SHA256withECDSA");
        signer.initSign(memberKey);
        signer.update(bytes);
        byte[] der = signer.sign();
        BigInteger order = ((ECPrivateKey) memberKey).getParams().getOrder();
        BigInteger[] rs = decode(der);
        BigInteger s = rs[1];
        boolean high = s.compareTo(order.shiftRight(1)) > 0;
        if (high != highS) {
            s = order.subtract(s);
        }
        return encode(rs[0], s);
    }

    private static BigInteger[] decode(byte[] der) {
        var sequence = org.bouncycastle.asn1.ASN1Sequence.getInstance(der);
        return new BigInteger[] {
                org.bouncycastle.asn1.ASN1Integer.getInstance(sequence.getObjectAt(0)).getValue(),
                org.bouncycastle.asn1.ASN1Integer.getInstance(sequence.getObjectAt(1)).getValue()};
    }

    private static byte[] encode(BigInteger r, BigInteger s) throws Exception {
        return new org.bouncycastle.asn1.DERSequence(new org.bouncycastle.asn1.ASN1Encodable[] {
                new org.bouncycastle.asn1.ASN1Integer(r), new org.bouncycastle.asn1.ASN1Integer(s)}).getEncoded();
    }
}
