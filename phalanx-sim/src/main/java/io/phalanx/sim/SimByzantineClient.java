package io.phalanx.sim;

import io.phalanx.core.codec.MessageCodec;
import io.phalanx.core.crypto.Signer;
import io.phalanx.core.message.Bytes;
import io.phalanx.core.message.Request;
import io.phalanx.core.message.RequestKind;
import io.phalanx.kv.KvOperation;

import java.util.SplittableRandom;

/**
 * A Byzantine client: every so often it sends a replica garbage bytes, a request with a forged
 * signature, an oversized operation, a sequence number far outside its window, a validly signed
 * request for a view the replicas are not in, or — validly signed — conflicting requests with
 * the same sequence number to different replicas. Its valid
 * requests write only its own key, so they cannot disturb the correct clients' results; nobody
 * checks its own.
 */
final class SimByzantineClient {
    private static final String OWN_KEY = "zz";

    private final long clientId;
    private final SimConfig config;
    private final SimNetwork network;
    private final EventQueue queue;
    private final Trace trace;
    private final Signer signer;
    private final SplittableRandom random;
    private final java.util.Set<Fault> fired;
    private long sequence = 1;
    private int actions;

    SimByzantineClient(long clientId, SimConfig config, SimNetwork network, EventQueue queue, Trace trace,
                       Signer signer, SplittableRandom random, java.util.Set<Fault> fired) {
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
                    1 + random.nextInt(3), new KvOperation.Put(OWN_KEY, "other view").encode())));
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
        return new Request(clientId, seq, RequestKind.ORDERED, 0, new KvOperation.Put(OWN_KEY, value).encode());
    }

    private Request signed(Request request) {
        return request.withSignature(signer.sign(MessageCodec.signedBytes(request)));
    }
}
