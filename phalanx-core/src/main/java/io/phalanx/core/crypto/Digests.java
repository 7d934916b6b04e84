package io.phalanx.core.crypto;

import io.phalanx.core.codec.MessageCodec;
import io.phalanx.core.message.Batch;
import io.phalanx.core.message.Bytes;
import io.phalanx.core.message.Digest;

import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;

/** SHA-256 digests of protocol values. Every JDK ships SHA-256, so failure to find it is fatal. */
public final class Digests {
    private Digests() {
    }

    /**
     * SHA-256 of all of {@code data}.
     *
     * @param data the bytes to hash
     * @return their digest
     */
    public static Digest sha256(byte[] data) {
        return sha256(data, 0, data.length);
    }

    /**
     * SHA-256 of {@code length} bytes of {@code data} from {@code offset}.
     *
     * @param data   the array holding the bytes to hash
     * @param offset the index of the first byte
     * @param length how many bytes
     * @return the digest of that range
     */
    public static Digest sha256(byte[] data, int offset, int length) {
        try {
            MessageDigest sha256 = MessageDigest.getInstance("SHA-256");
            sha256.update(data, offset, length);
            return new Digest(Bytes.copyOf(sha256.digest()));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("the JDK has no SHA-256", e);
        }
    }

    /**
     * The digest replicas vote on: SHA-256 of the batch's canonical encoding.
     *
     * @param batch the batch to hash
     * @return the digest of {@link MessageCodec#encodeBatch encodeBatch(batch)}
     */
    public static Digest ofBatch(Batch batch) {
        return sha256(MessageCodec.encodeBatch(batch));
    }
}
