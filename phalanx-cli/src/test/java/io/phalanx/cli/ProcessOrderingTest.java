package io.phalanx.cli;

import com.google.protobuf.ByteString;
import io.grpc.ManagedChannel;
import io.grpc.stub.StreamObserver;
import io.phalanx.core.view.View;
import io.phalanx.ordering.BlockSignatures;
import io.phalanx.ordering.Blocks;
import io.phalanx.ordering.OrderingTls;
import io.phalanx.ordering.Seek;
import io.phalanx.runtime.CoreSettings;
import io.phalanx.runtime.config.ClusterConfigLoader;
import org.hyperledger.fabric.protos.common.Block;
import org.hyperledger.fabric.protos.common.ChannelHeader;
import org.hyperledger.fabric.protos.common.Envelope;
import org.hyperledger.fabric.protos.common.Header;
import org.hyperledger.fabric.protos.common.HeaderType;
import org.hyperledger.fabric.protos.common.Payload;
import org.hyperledger.fabric.protos.common.Status;
import org.hyperledger.fabric.protos.orderer.AtomicBroadcastGrpc;
import org.hyperledger.fabric.protos.orderer.BroadcastResponse;
import org.hyperledger.fabric.protos.orderer.DeliverResponse;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * A Fabric ordering service of real processes: four {@code phalanx orderer} and one
 * {@code phalanx frontend}, and a Fabric client on fabric-protos' gRPC stubs that broadcasts
 * envelopes and reads the blocks back while the leader's node goes silent (SIGSTOP) and then the
 * next leader's is killed (SIGKILL).
 */
@Timeout(180)
class ProcessOrderingTest {
    /** Checks block signatures as the frontends do. */
    private final io.phalanx.core.crypto.SignatureVerifier verifier = io.phalanx.runtime.CoreSettings.replicaVerifier();
    private static final String CHANNEL = "mychannel";

    private final List<Process> processes = new ArrayList<>();
    private ManagedChannel fabric;

    @AfterEach
    void stop() throws InterruptedException {
        if (fabric != null) {
            fabric.shutdownNow();
        }
        for (Process process : processes) {
            process.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
        }
    }

    private static int freePort() throws Exception {
        try (ServerSocket socket = new ServerSocket(0)) {
            return socket.getLocalPort();
        }
    }

    @Test
    void envelopesBroadcastThroughAFrontendComeBackInQuorumSignedBlocksWhileLeadersGoSilentOrAreKilled(@TempDir Path dir)
            throws Exception {
        Path config = LocalClusterDirectory.create(dir, 4, 1, 1000);
        View view = CoreSettings.view(ClusterConfigLoader.load(config));
        List<String> frontendArgs = new ArrayList<>(List.of("frontend", "--config", config.toString(), "--id", "1000",
                "--channel", CHANNEL));
        for (int id = 0; id < 4; id++) {
            int deliverPort = freePort();
            processes.add(ProcessReplicas.phalanx(dir.resolve("orderer-" + id + ".log"), List.of("orderer", "--id",
                    Integer.toString(id), "--config", config.toString(), "--channel", CHANNEL, "--batch-size", "20",
                    "--batch-timeout-ms", "300", "--deliver-port", Integer.toString(deliverPort))));
            frontendArgs.addAll(List.of("--node", id + "=127.0.0.1:" + deliverPort));
        }
        int frontendPort = freePort();
        frontendArgs.addAll(List.of("--port", Integer.toString(frontendPort)));
        Path frontendLog = dir.resolve("frontend.log");
        processes.add(ProcessReplicas.phalanx(frontendLog, frontendArgs));
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
        while (!(Files.exists(frontendLog) && Files.readString(frontendLog).contains("frontend listening"))
                && System.nanoTime() < deadline) {
            Thread.sleep(100);
        }
        // The frontend presents client 1000's certificate (TLS by default); the Fabric client pins it.
        fabric = OrderingTls.fabricChannel(new java.net.InetSocketAddress("127.0.0.1", frontendPort),
                List.of(ClusterConfigLoader.load(config).client(1000).orElseThrow().certificate().getPublicKey()));
        AtomicBroadcastGrpc.AtomicBroadcastStub stub = AtomicBroadcastGrpc.newStub(fabric);

        Map<String, Integer> delivered = Collections.synchronizedMap(new HashMap<>());
        List<Block> blocks = Collections.synchronizedList(new ArrayList<>());
        StreamObserver<Envelope> deliver = stub.deliver(new StreamObserver<>() {
            @Override
            public void onNext(DeliverResponse response) {
                if (response.hasBlock()) {
                    blocks.add(response.getBlock());
                    for (ByteString data : response.getBlock().getData().getDataList()) {
                        delivered.merge(txId(data), 1, Integer::sum);
                    }
                }
            }

            @Override
            public void onError(Throwable t) {
            }

            @Override
            public void onCompleted() {
            }
        });
        deliver.onNext(Seek.request(CHANNEL, 0, Long.MAX_VALUE));

        assertThat(broadcast(stub, 0, 50)).containsOnly(Status.SUCCESS).hasSize(50);
        // Node 0 leads regency 0 and goes silent (SIGSTOP): its connections stay open, it answers
        // nothing. The frontend's envelopes reach the others, which replace it.
        signal("STOP", processes.get(0));
        assertThat(broadcast(stub, 50, 100)).containsOnly(Status.SUCCESS).hasSize(50);
        awaitDelivered(delivered, 100);
        signal("CONT", processes.get(0));
        // Then the leader of the next regency, node 1, is killed (SIGKILL).
        processes.get(1).destroyForcibly().waitFor(10, TimeUnit.SECONDS);
        assertThat(broadcast(stub, 100, 150)).containsOnly(Status.SUCCESS).hasSize(50);
        awaitDelivered(delivered, 150);
        assertThat(delivered).hasSize(150).allSatisfy((tx, times) -> assertThat(times).as(tx).isEqualTo(1));
        Block previous = null;
        for (Block block : List.copyOf(blocks)) {
            assertThat(Blocks.chainProblem(previous, block)).isNull();
            assertThat(BlockSignatures.signedByQuorum(block, view, verifier)).isTrue();
            previous = block;
        }
        deliver.onCompleted();
    }

    private static void awaitDelivered(Map<String, Integer> delivered, int count) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
        while (delivered.size() < count && System.nanoTime() < deadline) {
            Thread.sleep(50);
        }
        assertThat(delivered).as("envelopes delivered").hasSize(count);
    }

    private static void signal(String signal, Process process) throws Exception {
        assertThat(new ProcessBuilder("kill", "-" + signal, Long.toString(process.pid())).start().waitFor()).isZero();
    }

    private static String txId(ByteString envelope) {
        try {
            Payload payload = Payload.parseFrom(Envelope.parseFrom(envelope).getPayload());
            return ChannelHeader.parseFrom(payload.getHeader().getChannelHeader()).getTxId();
        } catch (com.google.protobuf.InvalidProtocolBufferException e) {
            throw new AssertionError(e);
        }
    }

    /** Broadcasts envelopes {@code from} to {@code to - 1} on one stream; the statuses, in order. */
    private static List<Status> broadcast(AtomicBroadcastGrpc.AtomicBroadcastStub stub, int from, int to) throws Exception {
        List<Status> statuses = Collections.synchronizedList(new ArrayList<>());
        CountDownLatch done = new CountDownLatch(1);
        StreamObserver<Envelope> requests = stub.broadcast(new StreamObserver<>() {
            @Override
            public void onNext(BroadcastResponse response) {
                statuses.add(response.getStatus());
            }

            @Override
            public void onError(Throwable t) {
                done.countDown();
            }

            @Override
            public void onCompleted() {
                done.countDown();
            }
        });
        for (int i = from; i < to; i++) {
            ChannelHeader header = ChannelHeader.newBuilder().setType(HeaderType.ENDORSER_TRANSACTION_VALUE)
                    .setChannelId(CHANNEL).setTxId("tx-" + i).build();
            Payload payload = Payload.newBuilder().setHeader(Header.newBuilder().setChannelHeader(header.toByteString()))
                    .setData(ByteString.copyFromUtf8("payload " + i)).build();
            requests.onNext(Envelope.newBuilder().setPayload(payload.toByteString()).build());
        }
        requests.onCompleted();
        assertThat(done.await(60, TimeUnit.SECONDS)).as("broadcast %d..%d answered", from, to - 1).isTrue();
        return statuses;
    }
}
