package io.phalanx.runtime.config;

import io.phalanx.core.codec.CodecException;
import io.phalanx.core.codec.MessageCodec;
import io.phalanx.core.view.View;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.PrivateKey;
import java.security.PublicKey;
import java.security.Signature;
import java.security.cert.CertificateException;
import java.security.cert.CertificateFactory;
import java.security.cert.X509Certificate;
import java.util.Arrays;
import java.util.Base64;
import java.util.Objects;

/**
 * What a replica added to a running cluster starts from, besides its own key: the view that adds
 * it, the first consensus instance that view governs, its own certificate, and the cluster file
 * with the certificates it names ({@link ClusterBundle}: the settings, the clients, the
 * administrator), signed by the administrator ({@code cluster.admin}). {@code phalanx view add}
 * writes it once the replicas installed the change; {@code phalanx replica --join FILE} reads it,
 * checks the signature under the administrator's certificate (from the cluster file it is given,
 * or else from the bundle), and starts in that view with an empty state, which it fetches from
 * its peers by state transfer.
 *
 * <p>The file is text: a {@code BEGIN PHALANX JOIN TICKET} block around the Base64 of a
 * version byte, the replica id, the consensus id, the encoded view ({@link MessageCodec#encodeView}),
 * the certificate (DER), the bundle (version 2; version 1 tickets, still read, have none) and
 * the Ed25519 signature of everything before it.
 *
 * @param replicaId    the replica it admits, a member of {@code view}
 * @param governsFrom  the first consensus instance {@code view} governs
 * @param view         the view that adds the replica, with every member's key and addresses
 * @param certificate  the replica's certificate, whose key {@code view} names for it
 * @param cluster      the cluster file and its certificates, or null (the replica then needs the file)
 * @param signature    the administrator's signature, empty before {@link #sign}
 */
public record JoinTicket(int replicaId, long governsFrom, View view, X509Certificate certificate, ClusterBundle cluster,
                         byte[] signature) {
    private static final int VERSION = 2;
    /** The version without the cluster bundle, still read. */
    private static final int VERSION_WITHOUT_BUNDLE = 1;
    private static final String BEGIN = "-----BEGIN PHALANX JOIN TICKET-----";
    private static final String END = "-----END PHALANX JOIN TICKET-----";
    /**
     * Far above any real ticket: a view of a hundred members with keys and addresses is a few kB,
     * and each client in the bundled cluster file adds a certificate of about 600 bytes.
     */
    private static final int FILE_BYTES_MAX = 64 << 20;

    /**
     * Checks that the parts fit together.
     *
     * @throws IllegalArgumentException if the replica is no member of the view, the view names
     *                                  another key for it than the certificate's, or governsFrom is negative
     */
    public JoinTicket {
        Objects.requireNonNull(view, "view");
        Objects.requireNonNull(certificate, "certificate");
        signature = signature.clone();
        if (!view.members().contains(replicaId)) {
            throw new IllegalArgumentException("replica " + replicaId + " is no member of view " + view.id());
        }
        var key = view.publicKeys().get(replicaId);
        if (key == null || !Arrays.equals(key.toArray(), certificate.getPublicKey().getEncoded())) {
            throw new IllegalArgumentException("view " + view.id() + " names another key for replica " + replicaId
                    + " than its certificate's");
        }
        if (governsFrom < 0) {
            throw new IllegalArgumentException("governsFrom must be >= 0, got " + governsFrom);
        }
    }

    /**
     * A ticket without a cluster bundle: the replica it admits needs the cluster file.
     *
     * @param replicaId   the replica it admits
     * @param governsFrom the first consensus instance {@code view} governs
     * @param view        the view that adds the replica
     * @param certificate the replica's certificate
     * @param signature   the administrator's signature, empty before {@link #sign}
     */
    public JoinTicket(int replicaId, long governsFrom, View view, X509Certificate certificate, byte[] signature) {
        this(replicaId, governsFrom, view, certificate, null, signature);
    }

    @Override
    public byte[] signature() {
        return signature.clone();
    }

    /**
     * The ticket signed with the administrator's key.
     *
     * @param adminKey the administrator's Ed25519 private key
     * @return a signed copy
     * @throws GeneralSecurityException if the key cannot sign
     */
    public JoinTicket sign(PrivateKey adminKey) throws GeneralSecurityException {
        Signature signer = Signature.getInstance("Ed25519");
        signer.initSign(adminKey);
        signer.update(signedBytes());
        return new JoinTicket(replicaId, governsFrom, view, certificate, cluster, signer.sign());
    }

    /**
     * Whether the administrator signed this ticket.
     *
     * @param adminKey the administrator's public key, from its certificate in the cluster file
     * @return true if the signature verifies
     */
    public boolean signedBy(PublicKey adminKey) {
        try {
            Signature verifier = Signature.getInstance("Ed25519");
            verifier.initVerify(adminKey);
            verifier.update(signedBytes());
            return verifier.verify(signature);
        } catch (GeneralSecurityException e) {
            return false;
        }
    }

    private byte[] signedBytes() {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        try (DataOutputStream out = new DataOutputStream(bytes)) {
            out.writeByte(cluster == null ? VERSION_WITHOUT_BUNDLE : VERSION);
            out.writeInt(replicaId);
            out.writeLong(governsFrom);
            byte[] encodedView = MessageCodec.encodeView(view);
            out.writeInt(encodedView.length);
            out.write(encodedView);
            byte[] der = certificate.getEncoded();
            out.writeInt(der.length);
            out.write(der);
            if (cluster != null) {
                cluster.writeTo(out);
            }
        } catch (IOException | CertificateException e) {
            throw new IllegalStateException("cannot encode the join ticket: " + e.getMessage(), e);
        }
        return bytes.toByteArray();
    }

    /**
     * Writes the ticket (readable by anyone: it holds no secret, and a change to it breaks the signature).
     *
     * @param file where to write it; replaced atomically if it exists
     * @throws IOException if it cannot be written
     */
    public void write(Path file) throws IOException {
        byte[] signed = signedBytes();
        byte[] all = Arrays.copyOf(signed, signed.length + 4 + signature.length);
        all[signed.length] = (byte) (signature.length >>> 24);
        all[signed.length + 1] = (byte) (signature.length >>> 16);
        all[signed.length + 2] = (byte) (signature.length >>> 8);
        all[signed.length + 3] = (byte) signature.length;
        System.arraycopy(signature, 0, all, signed.length + 4, signature.length);
        String text = BEGIN + "\n" + Base64.getMimeEncoder(64, "\n".getBytes(StandardCharsets.US_ASCII))
                .encodeToString(all) + "\n" + END + "\n";
        Path temp = file.resolveSibling(file.getFileName() + ".tmp");
        Files.writeString(temp, text, StandardCharsets.US_ASCII);
        Files.move(temp, file, java.nio.file.StandardCopyOption.REPLACE_EXISTING,
                java.nio.file.StandardCopyOption.ATOMIC_MOVE);
    }

    /**
     * Reads a ticket {@link #write} wrote; does not check its signature ({@link #signedBy}).
     *
     * @param file the ticket file
     * @return the ticket
     * @throws IOException naming the file and what is wrong with it, if it cannot be read or is no valid ticket
     */
    public static JoinTicket read(Path file) throws IOException {
        if (Files.size(file) > FILE_BYTES_MAX) {
            throw new IOException("join ticket " + file + ": larger than " + FILE_BYTES_MAX + " bytes, not a ticket");
        }
        String text = Files.readString(file, StandardCharsets.US_ASCII).strip();
        if (!text.startsWith(BEGIN) || !text.endsWith(END)) {
            throw new IOException("join ticket " + file + ": not a join ticket (no " + BEGIN + " ... " + END + " block)");
        }
        try {
            byte[] all = Base64.getMimeDecoder().decode(text.substring(BEGIN.length(), text.length() - END.length()));
            DataInputStream in = new DataInputStream(new ByteArrayInputStream(all));
            int version = in.readUnsignedByte();
            if (version != VERSION && version != VERSION_WITHOUT_BUNDLE) {
                throw new IOException("join ticket " + file + ": version " + version + ", this build reads "
                        + VERSION_WITHOUT_BUNDLE + " and " + VERSION);
            }
            int replicaId = in.readInt();
            long governsFrom = in.readLong();
            View view = MessageCodec.decodeView(in.readNBytes(length(in, all.length)));
            byte[] der = in.readNBytes(length(in, all.length));
            X509Certificate certificate = (X509Certificate) CertificateFactory.getInstance("X.509")
                    .generateCertificate(new ByteArrayInputStream(der));
            ClusterBundle cluster = version == VERSION ? ClusterBundle.readFrom(in, all.length) : null;
            byte[] signature = in.readNBytes(length(in, all.length));
            if (in.available() != 0) {
                throw new IOException("join ticket " + file + ": " + in.available() + " bytes after the signature");
            }
            return new JoinTicket(replicaId, governsFrom, view, certificate, cluster, signature);
        } catch (IllegalArgumentException | CodecException | CertificateException e) {
            throw new IOException("join ticket " + file + ": damaged (" + e.getMessage() + ")", e);
        } catch (java.io.EOFException e) {
            throw new IOException("join ticket " + file + ": truncated", e);
        } catch (IOException e) {
            if (e.getMessage() != null && e.getMessage().startsWith("join ticket ")) {
                throw e;
            }
            throw new IOException("join ticket " + file + ": damaged (" + e.getMessage() + ")", e);
        }
    }

    private static int length(DataInputStream in, int total) throws IOException {
        int length = in.readInt();
        if (length < 0 || length > total) {
            throw new IOException("a length of " + length + " in a ticket of " + total + " bytes");
        }
        return length;
    }

    @Override
    public boolean equals(Object other) {
        return other instanceof JoinTicket t && replicaId == t.replicaId && governsFrom == t.governsFrom
                && view.equals(t.view) && certificate.equals(t.certificate) && Objects.equals(cluster, t.cluster)
                && Arrays.equals(signature, t.signature);
    }

    @Override
    public int hashCode() {
        return Objects.hash(replicaId, governsFrom, view, certificate, cluster, Arrays.hashCode(signature));
    }

    @Override
    public String toString() {
        return "JoinTicket[replica " + replicaId + ", view " + view.id() + " " + view.members() + " from consensus id "
                + governsFrom + "]";
    }
}
