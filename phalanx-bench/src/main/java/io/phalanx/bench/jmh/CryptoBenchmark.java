package io.phalanx.bench.jmh;

import io.phalanx.core.codec.MessageCodec;
import io.phalanx.core.crypto.Ed25519;
import io.phalanx.core.crypto.Signer;
import io.phalanx.core.message.Accept;
import io.phalanx.core.message.Bytes;
import org.bouncycastle.crypto.params.Ed25519PrivateKeyParameters;
import org.bouncycastle.crypto.params.Ed25519PublicKeyParameters;
import org.bouncycastle.crypto.signers.Ed25519Signer;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;

import javax.crypto.Cipher;
import javax.crypto.Mac;
import javax.crypto.spec.GCMParameterSpec;
import javax.crypto.spec.SecretKeySpec;
import java.nio.ByteBuffer;
import java.security.GeneralSecurityException;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.PublicKey;
import java.security.SecureRandom;
import java.util.concurrent.TimeUnit;

/**
 * Per-message cryptography with the JDK providers the core and the runtime use:
 * <ul>
 *   <li>Ed25519 sign and verify of an ACCEPT's signed bytes (WRITEs are unsigned), through the core's own
 *       {@code Ed25519.signer} and {@code Ed25519.verify} (so including their per-call
 *       {@code Signature.getInstance});</li>
 *   <li>the same with Bouncy Castle's Ed25519, called as the runtime's {@code FastEd25519}
 *       calls it (a new {@code Ed25519Signer} per operation, no cache): what a replica really
 *       pays per signature;</li>
 *   <li>HMAC-SHA256 of a 100-byte message: what a MAC authenticator (PBFT style) or a TLS
 *       record MAC pays per small message;</li>
 *   <li>AES-128-GCM seal of a 1 KiB record with a fresh nonce, which approximates what TLS 1.3
 *       pays per record on the replica-to-replica links.</li>
 * </ul>
 */
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@State(Scope.Thread)
public class CryptoBenchmark {
    private static final int MAC_MESSAGE_BYTES = 100;
    private static final int RECORD_BYTES = 1024;
    private static final int GCM_TAG_BITS = 128;

    private Signer signer;
    private PublicKey publicKey;
    private byte[] signedBytes;
    private Bytes signature;
    private Ed25519PrivateKeyParameters bcPrivateKey;
    private Ed25519PublicKeyParameters bcPublicKey;
    private byte[] bcSignature;
    private Mac mac;
    private byte[] macMessage;
    private Cipher cipher;
    private SecretKeySpec aesKey;
    private byte[] record;
    private byte[] sealed;
    private final byte[] nonce = new byte[12];
    private long recordSequence;

    /**
     * Makes the keys, the signed bytes and their signatures, the MAC and the cipher.
     *
     * @throws GeneralSecurityException if the JDK lacks Ed25519, HMAC-SHA256 or AES-GCM
     */
    @Setup
    public void setUp() throws GeneralSecurityException {
        KeyPair pair = KeyPairGenerator.getInstance("Ed25519").generateKeyPair();
        signer = Ed25519.signer(pair.getPrivate());
        publicKey = pair.getPublic();
        signedBytes = MessageCodec.signedBytes(new Accept(1, 42, 0, Fixtures.digest()));
        signature = signer.sign(signedBytes);

        bcPrivateKey = new Ed25519PrivateKeyParameters(new SecureRandom());
        bcPublicKey = bcPrivateKey.generatePublicKey();
        bcSignature = bouncyCastleEd25519Sign();

        mac = Mac.getInstance("HmacSHA256");
        mac.init(new SecretKeySpec(new byte[32], "HmacSHA256"));
        macMessage = new byte[MAC_MESSAGE_BYTES];

        cipher = Cipher.getInstance("AES/GCM/NoPadding");
        aesKey = new SecretKeySpec(new byte[16], "AES");
        record = new byte[RECORD_BYTES];
        sealed = new byte[RECORD_BYTES + GCM_TAG_BITS / 8];
    }

    /**
     * Signs an ACCEPT's signed bytes with the core's JDK signer.
     *
     * @return the signature, for JMH to consume
     */
    @Benchmark
    public Bytes ed25519Sign() {
        return signer.sign(signedBytes);
    }

    /**
     * Signs an ACCEPT's signed bytes with Bouncy Castle, as {@code FastEd25519} does.
     *
     * @return the signature, for JMH to consume
     */
    @Benchmark
    public byte[] bouncyCastleEd25519Sign() {
        Ed25519Signer bcSigner = new Ed25519Signer();
        bcSigner.init(true, bcPrivateKey);
        bcSigner.update(signedBytes, 0, signedBytes.length);
        return bcSigner.generateSignature();
    }

    /**
     * Verifies an ACCEPT's signature with Bouncy Castle, as {@code FastEd25519} does.
     *
     * @return true (the signature is valid), for JMH to consume
     */
    @Benchmark
    public boolean bouncyCastleEd25519Verify() {
        Ed25519Signer verifier = new Ed25519Signer();
        verifier.init(false, bcPublicKey);
        verifier.update(signedBytes, 0, signedBytes.length);
        return verifier.verifySignature(bcSignature);
    }

    /**
     * Verifies an ACCEPT's signature with the core's JDK verifier.
     *
     * @return true (the signature is valid), for JMH to consume
     */
    @Benchmark
    public boolean ed25519Verify() {
        return Ed25519.verify(publicKey, signedBytes, signature);
    }

    /**
     * MACs a 100-byte message with HMAC-SHA256.
     *
     * @return the MAC, for JMH to consume
     */
    @Benchmark
    public byte[] hmacSha256Of100Bytes() {
        return mac.doFinal(macMessage);
    }

    /**
     * Seals a 1 KiB record with AES-128-GCM. A new nonce per record, as TLS derives one from the
     * record sequence number; GCM forbids reuse.
     *
     * @return the sealed length, for JMH to consume
     * @throws GeneralSecurityException if the cipher refuses the key or nonce
     */
    @Benchmark
    public int aesGcmSeal1KiB() throws GeneralSecurityException {
        ByteBuffer.wrap(nonce).putLong(4, ++recordSequence);
        cipher.init(Cipher.ENCRYPT_MODE, aesKey, new GCMParameterSpec(GCM_TAG_BITS, nonce));
        return cipher.doFinal(record, 0, record.length, sealed, 0);
    }
}
