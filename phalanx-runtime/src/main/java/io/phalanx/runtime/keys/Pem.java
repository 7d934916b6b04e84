package io.phalanx.runtime.keys;

import org.bouncycastle.asn1.pkcs.PrivateKeyInfo;
import org.bouncycastle.cert.X509CertificateHolder;
import org.bouncycastle.cert.jcajce.JcaX509CertificateConverter;
import org.bouncycastle.openssl.PEMParser;
import org.bouncycastle.openssl.jcajce.JcaPEMKeyConverter;
import org.bouncycastle.openssl.jcajce.JcaPEMWriter;

import java.io.IOException;
import java.io.Reader;
import java.io.StringWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.PrivateKey;
import java.security.cert.CertificateException;
import java.security.cert.X509Certificate;
import java.util.ArrayList;
import java.util.List;

/**
 * Reads and writes keys and certificates as PEM, the format operators and openssl understand.
 * Private keys are unencrypted PKCS#8 ("PRIVATE KEY") protected by file permissions; keys come
 * back as JDK key objects (not Bouncy Castle ones) because SunJSSE and the JDK's Ed25519
 * signer only accept those. No JCA provider is registered globally.
 */
public final class Pem {
    private Pem() {
    }

    /** Reads the single certificate of a PEM file. */
    public static X509Certificate readCertificate(Path path) throws IOException {
        List<X509Certificate> all = readCertificates(path);
        if (all.size() != 1) {
            throw new IOException(path + ": expected exactly one certificate, found " + all.size());
        }
        return all.get(0);
    }

    /** Reads every certificate of a PEM file (a trust bundle holds several). */
    public static List<X509Certificate> readCertificates(Path path) throws IOException {
        List<X509Certificate> out = new ArrayList<>();
        try (Reader reader = Files.newBufferedReader(path, StandardCharsets.US_ASCII);
             PEMParser parser = new PEMParser(reader)) {
            Object object;
            while ((object = parser.readObject()) != null) {
                if (!(object instanceof X509CertificateHolder)) {
                    throw new IOException(path + ": not a certificate: " + object.getClass().getSimpleName());
                }
                out.add(new JcaX509CertificateConverter().getCertificate((X509CertificateHolder) object));
            }
        } catch (CertificateException | RuntimeException e) {
            throw new IOException(path + ": unreadable certificate: " + e.getMessage(), e);
        }
        return out;
    }

    /** Reads an unencrypted PKCS#8 private key. */
    public static PrivateKey readPrivateKey(Path path) throws IOException {
        try (Reader reader = Files.newBufferedReader(path, StandardCharsets.US_ASCII);
             PEMParser parser = new PEMParser(reader)) {
            Object object = parser.readObject();
            if (!(object instanceof PrivateKeyInfo)) {
                throw new IOException(path + ": expected an unencrypted PKCS#8 private key (BEGIN PRIVATE KEY)");
            }
            return new JcaPEMKeyConverter().getPrivateKey((PrivateKeyInfo) object);
        } catch (RuntimeException e) {
            throw new IOException(path + ": unreadable private key: " + e.getMessage(), e);
        }
    }

    /** Encodes one or more objects (keys, certificates) as PEM text. */
    public static String encode(Object... objects) throws IOException {
        StringWriter text = new StringWriter();
        try (JcaPEMWriter writer = new JcaPEMWriter(text)) {
            for (Object object : objects) {
                writer.writeObject(object);
            }
        }
        return text.toString();
    }

    /** Writes PEM text, readable by everyone (certificates, public material). */
    public static void writePublic(Path path, Object... objects) throws IOException {
        Files.writeString(path, encode(objects), StandardCharsets.US_ASCII);
    }

    /**
     * Writes a private key readable only by its owner ({@code rw-------}) where the file system
     * has POSIX permissions. The file is created with those permissions, so the key is never
     * readable by others, not even briefly.
     */
    public static void writePrivate(Path path, PrivateKey key) throws IOException {
        String text = encode(key);
        Files.deleteIfExists(path);
        if (path.getFileSystem().supportedFileAttributeViews().contains("posix")) {
            Files.createFile(path, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------")));
        } else {
            Files.createFile(path);
        }
        Files.writeString(path, text, StandardCharsets.US_ASCII);
    }
}
