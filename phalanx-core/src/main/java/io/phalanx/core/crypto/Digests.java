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

    public static Digest sha256(byte[] data) {
        try {
            return new Digest(Bytes.copyOf(MessageDigest.getInstance("SHA-256").digest(data)));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("the JDK has no SHA-256", e);
        }
    }

    /** The digest replicas vote on: SHA-256 of the batch's canonical encoding. */
    public static Digest ofBatch(Batch batch) {
        return sha256(MessageCodec.encodeBatch(batch));
    }
}
