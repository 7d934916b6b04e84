package io.phalanx.sim;

import io.phalanx.core.message.Message;
import io.phalanx.core.replica.Input;

/**
 * How a simulated replica departs from the protocol. A Byzantine replica in the simulator runs
 * the real core and lies at its edges: it may alter or drop what the core is told and what it
 * says. The correct behaviour departs in nothing.
 */
interface Behavior {
    /** What a replica sends through: the network, seen from one node. */
    interface Outbox {
        void send(int to, Message message);

        void sendRaw(int to, byte[] bytes, String what);
    }

    Behavior CORRECT = new Behavior() {
    };

    /** The input the core gets instead of {@code input}; null to withhold it. */
    default Input onInput(Input input) {
        return input;
    }

    /** Sends (or not, or something else) where the core wanted {@code message} sent to {@code to}. */
    default void onSend(int to, Message message, Outbox out) {
        out.send(to, message);
    }
}
