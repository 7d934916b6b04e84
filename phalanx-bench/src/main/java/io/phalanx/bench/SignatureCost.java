package io.phalanx.bench;

import io.phalanx.core.codec.MessageCodec;
import io.phalanx.core.crypto.Ed25519;
import io.phalanx.core.crypto.Signer;
import io.phalanx.core.message.Bytes;
import io.phalanx.core.message.Digest;
import io.phalanx.core.message.Accept;

import java.lang.management.ManagementFactory;
import java.lang.management.ThreadMXBean;
import java.security.GeneralSecurityException;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.time.Duration;
import java.util.Locale;

/**
 * Ed25519 sign and verify cost in CPU time per operation, through the core's own
 * {@code Ed25519} signer and verifier. JMH reports wall-clock time, which on a machine shared
 * with other busy processes overstates the cost; this cross-check counts only the CPU time the
 * thread actually received. {@code java -cp ... io.phalanx.bench.SignatureCost [seconds]}.
 */
public final class SignatureCost {
    private SignatureCost() {
    }

    /**
     * CPU and wall microseconds per operation.
     *
     * @param operation  what was measured, e.g. {@code ed25519 sign}
     * @param operations how many were done
     * @param cpuMicros  CPU microseconds per operation
     * @param wallMicros wall-clock microseconds per operation
     */
    public record Cost(String operation, long operations, double cpuMicros, double wallMicros) {
        /**
         * One line for the console.
         *
         * @return the operation with its CPU and wall time per operation and the count
         */
        public String summary() {
            return String.format(Locale.ROOT, "%s: %.1f us CPU/op, %.1f us wall/op (%d ops)", operation, cpuMicros,
                    wallMicros, operations);
        }
    }

    /**
     * Signs, then verifies, an ACCEPT's signed bytes for {@code duration} each.
     *
     * @param duration how long to repeat each operation
     * @return the cost of signing, then of verifying
     * @throws GeneralSecurityException if the JDK cannot make an Ed25519 key pair
     */
    public static Cost[] measure(Duration duration) throws GeneralSecurityException {
        KeyPair pair = KeyPairGenerator.getInstance("Ed25519").generateKeyPair();
        Signer signer = Ed25519.signer(pair.getPrivate());
        byte[] message = MessageCodec.signedBytes(new Accept(1, 42, 0, new Digest(Bytes.copyOf(new byte[Digest.LENGTH]))));
        Bytes signature = signer.sign(message);
        ThreadMXBean threads = ManagementFactory.getThreadMXBean();

        long cpu0 = threads.getCurrentThreadCpuTime();
        long wall0 = System.nanoTime();
        long signs = 0;
        while (System.nanoTime() - wall0 < duration.toNanos()) {
            signer.sign(message);
            signs++;
        }
        long cpu1 = threads.getCurrentThreadCpuTime();
        long wall1 = System.nanoTime();
        long verifies = 0;
        while (System.nanoTime() - wall1 < duration.toNanos()) {
            if (!Ed25519.verify(pair.getPublic(), message, signature)) {
                throw new IllegalStateException("a valid signature failed to verify");
            }
            verifies++;
        }
        long cpu2 = threads.getCurrentThreadCpuTime();
        long wall2 = System.nanoTime();
        return new Cost[] {
            new Cost("ed25519 sign", signs, (cpu1 - cpu0) / 1e3 / signs, (wall1 - wall0) / 1e3 / signs),
            new Cost("ed25519 verify", verifies, (cpu2 - cpu1) / 1e3 / verifies, (wall2 - wall1) / 1e3 / verifies),
        };
    }

    /**
     * Three rounds (the first warms the JIT up) of {@code seconds} (default 5) per operation.
     *
     * @param args optionally the seconds per operation
     * @throws GeneralSecurityException if the JDK cannot make an Ed25519 key pair
     */
    public static void main(String[] args) throws GeneralSecurityException {
        Duration each = Duration.ofSeconds(args.length > 0 ? Integer.parseInt(args[0]) : 5);
        for (int round = 1; round <= 3; round++) {
            for (Cost cost : measure(each)) {
                System.out.println("round " + round + " " + cost.summary());
            }
        }
    }
}
