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
import java.nio.file.AccessDeniedException;
import java.nio.file.FileSystemException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
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
    /** How error messages name the files this class reads. */
    static final String KEY_FILE = "key file";
    static final String CERTIFICATE_FILE = "certificate file";

    private Pem() {
    }

    /**
     * Reads the single certificate of a PEM file.
     *
     * @param path the PEM file
     * @return its certificate
     * @throws IOException if the file cannot be read, holds anything but certificates, or not exactly one
     */
    public static X509Certificate readCertificate(Path path) throws IOException {
        List<X509Certificate> all = readCertificates(path);
        if (all.size() != 1) {
            throw new IOException(CERTIFICATE_FILE + " " + path + ": expected exactly one certificate, found " + all.size());
        }
        return all.get(0);
    }

    /**
     * Reads every certificate of a PEM file (a trust bundle holds several).
     *
     * @param path the PEM file
     * @return its certificates, in file order
     * @throws IOException if the file cannot be read or holds anything but certificates
     */
    public static List<X509Certificate> readCertificates(Path path) throws IOException {
        List<X509Certificate> out = new ArrayList<>();
        try (Reader reader = open(path, CERTIFICATE_FILE, "a PEM certificate file");
             PEMParser parser = new PEMParser(reader)) {
            Object object;
            while ((object = parser.readObject()) != null) {
                if (!(object instanceof X509CertificateHolder)) {
                    throw new IOException(CERTIFICATE_FILE + " " + path + ": not a certificate: "
                            + object.getClass().getSimpleName());
                }
                out.add(new JcaX509CertificateConverter().getCertificate((X509CertificateHolder) object));
            }
        } catch (CertificateException | RuntimeException e) {
            throw new IOException(CERTIFICATE_FILE + " " + path + ": unreadable certificate: " + e.getMessage(), e);
        }
        return out;
    }

    /**
     * Reads an unencrypted PKCS#8 private key.
     *
     * @param path the PEM file
     * @return the key as a JDK key object
     * @throws IOException if the file cannot be read or does not begin with an unencrypted private key
     */
    public static PrivateKey readPrivateKey(Path path) throws IOException {
        try (Reader reader = open(path, KEY_FILE, "a PEM private key file");
             PEMParser parser = new PEMParser(reader)) {
            Object object = parser.readObject();
            if (!(object instanceof PrivateKeyInfo)) {
                throw new IOException(KEY_FILE + " " + path
                        + ": expected an unencrypted PKCS#8 private key (BEGIN PRIVATE KEY)");
            }
            return new JcaPEMKeyConverter().getPrivateKey((PrivateKeyInfo) object);
        } catch (RuntimeException e) {
            throw new IOException(KEY_FILE + " " + path + ": unreadable private key: " + e.getMessage(), e);
        }
    }

    /**
     * Opens {@code path} as text. The JDK's exceptions say only the path ("/x/a.key") or only the
     * reason ("Is a directory"); ours say what the file was for, which file, and why it failed.
     */
    private static Reader open(Path path, String what, String expected) throws IOException {
        if (Files.isDirectory(path)) {
            throw new IOException(what + " " + path + ": is a directory, expected " + expected);
        }
        try {
            return Files.newBufferedReader(path, StandardCharsets.US_ASCII);
        } catch (IOException e) {
            throw new IOException(what + " " + path + ": " + reason(e), e);
        }
    }

    /**
     * Why reading a file failed, in words: the JDK's message is often the bare path.
     *
     * @param e the failure
     * @return "no such file", "permission denied", the file system's reason, or the message
     */
    public static String reason(IOException e) {
        if (e instanceof NoSuchFileException) {
            return "no such file";
        } else if (e instanceof AccessDeniedException) {
            return "permission denied";
        } else if (e instanceof FileSystemException f && f.getReason() != null) {
            return f.getReason();
        }
        return e.getMessage();
    }

    /**
     * Encodes one or more objects (keys, certificates) as PEM text.
     *
     * @param objects the keys and certificates, in order
     * @return their PEM blocks
     * @throws IOException if an object has no PEM encoding
     */
    public static String encode(Object... objects) throws IOException {
        StringWriter text = new StringWriter();
        try (JcaPEMWriter writer = new JcaPEMWriter(text)) {
            for (Object object : objects) {
                writer.writeObject(object);
            }
        }
        return text.toString();
    }

    /**
     * Writes PEM text, readable by everyone (certificates, public material).
     *
     * @param path    the file to write, replaced if it exists
     * @param objects the certificates or public keys, in order
     * @throws IOException if an object has no PEM encoding or the file cannot be written
     */
    public static void writePublic(Path path, Object... objects) throws IOException {
        Files.writeString(path, encode(objects), StandardCharsets.US_ASCII);
    }

    /**
     * Writes a private key readable only by its owner ({@code rw-------}) where the file system
     * has POSIX permissions. The file is created with those permissions, so the key is never
     * readable by others, not even briefly.
     *
     * @param path the file to write, replaced if it exists
     * @param key  the private key
     * @throws IOException if the file cannot be created or written
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
