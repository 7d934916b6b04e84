package io.phalanx.sim;

import io.phalanx.core.codec.MessageCodec;
import io.phalanx.core.crypto.Signer;
import io.phalanx.core.message.Bytes;
import io.phalanx.core.message.Request;
import io.phalanx.core.message.RequestKind;
import io.phalanx.kv.KvOperation;
import io.phalanx.ordering.OrderingOperation;
import io.phalanx.sim.ordering.OrderingSetup;
import io.phalanx.sim.ordering.SimEnvelopes;

import java.util.SplittableRandom;
import java.util.function.Function;

/**
 * A Byzantine client: every so often it sends a replica garbage bytes, a request with a forged
 * signature, an oversized operation, a sequence number far outside its window, a validly signed
 * request for a view the replicas are not in, or — validly signed — conflicting requests with
 * the same sequence number to different replicas. Its valid
 * requests write only its own key (with the ordering service: broadcast its own envelopes), so
 * they cannot disturb the correct clients' results; nobody checks its own.
 */
final class SimByzantineClient {
    private static final String OWN_KEY = "zz";
    /** The key-value service's write of its own key. */
    static final Function<String, Bytes> KV_WRITES = value -> new KvOperation.Put(OWN_KEY, value).encode();
    /** The ordering service's broadcast of its own envelope on the first channel. */
    static final Function<String, Bytes> ORDERING_WRITES = value -> new OrderingOperation.Broadcast(
            SimEnvelopes.transaction(OrderingSetup.CHANNELS.get(0), "byzantine-" + value, value.getBytes(
                    java.nio.charset.StandardCharsets.UTF_8))).encode();

    private final long clientId;
    private final SimConfig config;
    private final SimNetwork network;
    private final EventQueue queue;
    private final Trace trace;
    private final Signer signer;
    private final SplittableRandom random;
    private final java.util.Set<Fault> fired;
    /** Its valid requests' operation holding a value: its own key's write, or its own envelope. */
    private final Function<String, Bytes> write;
    private long sequence = 1;
    private int actions;

    SimByzantineClient(long clientId, SimConfig config, SimNetwork network, EventQueue queue, Trace trace,
                       Signer signer, SplittableRandom random, java.util.Set<Fault> fired,
                       Function<String, Bytes> write) {
        this.write = write;
        this.clientId = clientId;
        this.config = config;
        this.network = network;
        this.queue = queue;
        this.trace = trace;
        this.signer = signer;
        this.random = random;
        this.fired = fired;
    }

    long clientId() {
        return clientId;
    }

    void start() {
        queue.at(queue.now() + random.nextInt(200), this::act);
    }

    private void act() {
        if (actions++ >= 40) {
            return;
        }
        int replica = random.nextInt(config.replicas());
        int from = SimClient.address(clientId);
        fired.add(Fault.BYZANTINE_CLIENT);
        switch (random.nextInt(6)) {
            case 0 -> {
                byte[] garbage = new byte[1 + random.nextInt(64)];
                random.nextBytes(garbage);
                network.sendRaw(from, replica, garbage, "c" + clientId + " garbage");
            }
            case 1 -> network.send(from, replica, request(sequence, "forged").withSignature(Bytes.utf8("not a signature")));
            case 2 -> network.send(from, replica, signed(new Request(clientId, sequence, RequestKind.ORDERED, 0,
                    Bytes.copyOf(new byte[70_000]))));
            case 3 -> network.send(from, replica, signed(request(sequence + 1_000_000, "far")));
            case 4 -> network.send(from, replica, signed(new Request(clientId, sequence, RequestKind.ORDERED,
                    1 + random.nextInt(3), write.apply("other view"))));
            default -> {
                long conflicting = sequence++;
                for (int r = 0; r < config.replicas(); r++) {
                    network.send(from, r, signed(request(conflicting, "v" + (r % 2))));
                }
            }
        }
        queue.at(queue.now() + 20 + random.nextInt(300), this::act);
    }

    private Request request(long seq, String value) {
        return new Request(clientId, seq, RequestKind.ORDERED, 0, write.apply(value));
    }

    private Request signed(Request request) {
        return request.withSignature(signer.sign(MessageCodec.signedBytes(request)));
    }
}
