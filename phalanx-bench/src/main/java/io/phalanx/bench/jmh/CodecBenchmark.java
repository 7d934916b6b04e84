package io.phalanx.bench.jmh;

import io.phalanx.core.codec.CodecException;
import io.phalanx.core.codec.MessageCodec;
import io.phalanx.core.crypto.Ed25519;
import io.phalanx.core.message.Message;
import io.phalanx.core.message.Propose;
import io.phalanx.core.message.Request;
import io.phalanx.core.message.Accept;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;

import java.security.GeneralSecurityException;
import java.security.KeyPairGenerator;
import java.util.concurrent.TimeUnit;

/**
 * What the wire format costs: encoding and decoding the messages every decided request passes
 * through — the client's REQUEST, the leader's PROPOSE carrying a full 400-request batch, and a
 * signed ACCEPT (a WRITE is the same without the signature). Average time per message.
 */
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
public class CodecBenchmark {
    /** Codec limit large enough for a PROPOSE of 400 requests of 1 KiB. */
    private static final int MESSAGE_BYTES_MAX = 4 << 20;
    /** The default {@code batchRequestsMax}: a full batch. */
    private static final int PROPOSE_REQUESTS = 400;

    /** A REQUEST and a full PROPOSE whose requests carry {@code operationBytes}-byte operations. */
    @State(Scope.Thread)
    public static class Requests {
        /** Size of every request's operation: empty, or 1 KiB. */
        @Param({"0", "1024"})
        public int operationBytes;

        final MessageCodec codec = new MessageCodec(MESSAGE_BYTES_MAX);
        Request request;
        byte[] requestBytes;
        Propose propose;
        byte[] proposeBytes;

        /**
         * Builds the REQUEST and the PROPOSE and encodes each once, for the decode benchmarks.
         *
         * @throws CodecException if an encoding exceeds the codec's limit
         */
        @Setup
        public void setUp() throws CodecException {
            request = Fixtures.request(7, operationBytes);
            requestBytes = codec.encode(request);
            propose = new Propose(0, 42, 0, Fixtures.batch(PROPOSE_REQUESTS, operationBytes));
            proposeBytes = codec.encode(propose);
        }
    }

    /** An ACCEPT with a real Ed25519 signature. */
    @State(Scope.Thread)
    public static class Votes {
        final MessageCodec codec = new MessageCodec(MESSAGE_BYTES_MAX);
        Accept accept;
        byte[] acceptBytes;

        /**
         * Signs an ACCEPT with a fresh key and encodes it once, for the decode benchmark.
         *
         * @throws CodecException if the encoding exceeds the codec's limit
         * @throws GeneralSecurityException if the JDK cannot make an Ed25519 key pair
         */
        @Setup
        public void setUp() throws CodecException, GeneralSecurityException {
            Accept unsigned = new Accept(1, 42, 0, Fixtures.digest());
            var signer = Ed25519.signer(KeyPairGenerator.getInstance("Ed25519").generateKeyPair().getPrivate());
            accept = unsigned.withSignature(signer.sign(MessageCodec.signedBytes(unsigned)));
            acceptBytes = codec.encode(accept);
        }
    }

    /**
     * Encodes a client's REQUEST.
     *
     * @param state the request
     * @return the encoding, for JMH to consume
     * @throws CodecException never: the request fits the limit
     */
    @Benchmark
    public byte[] requestEncode(Requests state) throws CodecException {
        return state.codec.encode(state.request);
    }

    /**
     * Decodes a client's REQUEST.
     *
     * @param state the encoded request
     * @return the message, for JMH to consume
     * @throws CodecException never: the bytes are a valid encoding
     */
    @Benchmark
    public Message requestDecode(Requests state) throws CodecException {
        return state.codec.decode(state.requestBytes);
    }

    /**
     * Encodes a PROPOSE of 400 requests.
     *
     * @param state the proposal
     * @return the encoding, for JMH to consume
     * @throws CodecException never: the proposal fits the limit
     */
    @Benchmark
    public byte[] propose400Encode(Requests state) throws CodecException {
        return state.codec.encode(state.propose);
    }

    /**
     * Decodes a PROPOSE of 400 requests.
     *
     * @param state the encoded proposal
     * @return the message, for JMH to consume
     * @throws CodecException never: the bytes are a valid encoding
     */
    @Benchmark
    public Message propose400Decode(Requests state) throws CodecException {
        return state.codec.decode(state.proposeBytes);
    }

    /**
     * Encodes a signed ACCEPT.
     *
     * @param state the vote
     * @return the encoding, for JMH to consume
     * @throws CodecException never: the vote fits the limit
     */
    @Benchmark
    public byte[] acceptEncode(Votes state) throws CodecException {
        return state.codec.encode(state.accept);
    }

    /**
     * Decodes a signed ACCEPT (without checking the signature).
     *
     * @param state the encoded vote
     * @return the message, for JMH to consume
     * @throws CodecException never: the bytes are a valid encoding
     */
    @Benchmark
    public Message acceptDecode(Votes state) throws CodecException {
        return state.codec.decode(state.acceptBytes);
    }
}
