package io.phalanx.core.replica;

import io.phalanx.core.message.ReplicaMessage;
import io.phalanx.core.message.Request;

import java.util.Objects;

/**
 * Everything that can happen to a replica. The driver (runtime or simulator) turns network,
 * clock and storage events into inputs and feeds them to {@link ReplicaCore#step}; the current
 * time travels with every step, so the core never reads a clock.
 */
public sealed interface Input permits Input.MessageReceived, Input.RequestReceived, Input.Tick, Input.CheckpointTaken,
        Input.Persisted {

    /**
     * Time passed: the driver delivers one when {@link Output#wakeAtMs()} is reached (sooner or
     * later is harmless). Request timers, leader-change timeouts, retransmissions and catch-up
     * run on ticks.
     */
    record Tick() implements Input {
    }

    /**
     * A message from another replica. {@code from} is the identity the transport authenticated
     * (TLS certificate, simulated link); the core drops messages whose {@code sender} field
     * disagrees with it.
     */
    record MessageReceived(int from, ReplicaMessage message) implements Input {
        /**
         * Checks that there is a message.
         *
         * @param from    the id of the replica the transport authenticated as the sender
         * @param message the decoded message
         */
        public MessageReceived {
            Objects.requireNonNull(message, "message");
        }
    }

    /** A request from a client whose identity the transport authenticated as {@code request.clientId()}. */
    record RequestReceived(Request request) implements Input {
        /**
         * Checks that there is a request.
         *
         * @param request the client's request, its {@code clientId} authenticated by the transport
         */
        public RequestReceived {
            Objects.requireNonNull(request, "request");
        }
    }

    /**
     * The execution layer took a checkpoint after decision {@code image.consensusId()} (it takes
     * one after every {@link ReplicaConfig#checkpointAfter} decision): the replica serves it to
     * peers that need state transfer.
     */
    record CheckpointTaken(CheckpointImage image) implements Input {
        /**
         * Checks that there is an image.
         *
         * @param image the execution layer's state after decision {@code image.consensusId()}
         */
        public CheckpointTaken {
            Objects.requireNonNull(image, "image");
        }
    }

    /**
     * The driver made the records of every step up to {@link Output#persistSequence()}
     * {@code sequence} durable. With {@link ReplicaConfig#sendsAwaitPersistence} the core then
     * releases the sends it held for them, in order, in this step's output.
     */
    record Persisted(long sequence) implements Input {
        /**
         * Checks that the sequence is one a step can have.
         *
         * @param sequence the persist sequence of the latest step whose records are durable; those
         *                 of every earlier step are durable too
         * @throws IllegalArgumentException if {@code sequence} is below 1
         */
        public Persisted {
            if (sequence < 1) {
                throw new IllegalArgumentException("persist sequences start at 1, got " + sequence);
            }
        }
    }
}
