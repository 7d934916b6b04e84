package io.phalanx.runtime.transport;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;
import io.netty.resolver.AddressResolver;
import io.netty.resolver.AddressResolverGroup;
import io.netty.resolver.InetNameResolver;
import io.netty.resolver.InetSocketAddressResolver;
import io.netty.util.concurrent.EventExecutor;
import io.netty.util.concurrent.Promise;
import io.phalanx.runtime.config.ReplicaEntry;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.slf4j.LoggerFactory;

import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.UnknownHostException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CopyOnWriteArrayList;

import static io.phalanx.runtime.transport.Inbox.await;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * A replica started before its peer exists on the network: first the peer's host name does not
 * resolve, then it resolves but nothing listens, then the peer starts. The dialler keeps trying,
 * at most {@code reconnectMaxMs} apart, logs each of the two failure states once, and connects.
 */
class LatePeerTest {
    private static final String LATE_HOST = "replica-1.late.test";

    private final List<AutoCloseable> started = new ArrayList<>();
    private final Logger dialerLog = (Logger) LoggerFactory.getLogger(Dialer.class);
    private final ListAppender<ILoggingEvent> lines = new ListAppender<>();

    @AfterEach
    void closeAll() throws Exception {
        dialerLog.detachAppender(lines);
        for (int i = started.size() - 1; i >= 0; i--) {
            started.get(i).close();
        }
    }

    @Test
    void aPeerWhoseNameResolvesOnlyLaterIsRedialledWithCappedBackoffUntilItAnswers() throws Exception {
        lines.start();
        dialerLog.addAppender(lines);
        TestCluster cluster = TestCluster.of(2, 0);
        long capMs = cluster.config().timeouts().reconnectMaxMs();
        ReplicaEntry real = cluster.entry(1);
        // Replica 0 knows replica 1 only by a name that the test's name service does not know yet.
        TestCluster byName = cluster.withReplicas(list -> {
            list.set(1, new ReplicaEntry(1, LATE_HOST, real.port(), real.clientPort(), real.certificate()));
            return list;
        });
        LateNameService dns = new LateNameService();
        Inbox inbox0 = new Inbox();
        ReplicaMesh mesh0 = track(ReplicaMesh.start(byName.config(), 0, cluster.replicas().get(0), inbox0, null, dns));

        await("several lookups of a name that does not resolve", Duration.ofSeconds(10), () -> dns.lookups.size() >= 8);
        assertThat(mesh0.connectedPeers()).isEmpty();
        assertThat(maxGapMs(dns.lookups, 4)).as("redial delay is capped at %d ms", capMs).isLessThan(capMs + 1_000);
        assertThat(infoLines()).hasSize(1).first().asString().contains("host name does not resolve");

        dns.resolvable = true; // the name appears; replica 1 is still not running: refused
        await("a refused connection logged", Duration.ofSeconds(10), () -> infoLines().size() == 2);
        int lookups = dns.lookups.size();
        await("more attempts", Duration.ofSeconds(10), () -> dns.lookups.size() >= lookups + 4);
        assertThat(infoLines()).hasSize(2).last().asString().contains("connection refused");

        Inbox inbox1 = new Inbox();
        ReplicaMesh mesh1 = track(ReplicaMesh.start(cluster.config(), 1, cluster.replicas().get(1), inbox1));
        await("replica 0 reached replica 1", Duration.ofSeconds(10), () -> mesh0.connectedPeers().equals(Set.of(1)));
        await("replica 1 accepted replica 0", Duration.ofSeconds(10), () -> mesh1.connectedPeers().equals(Set.of(0)));
        assertThat(infoLines()).hasSize(2);
    }

    private List<String> infoLines() {
        return lines.list.stream().filter(e -> e.getLevel().isGreaterOrEqual(Level.INFO))
                .map(ILoggingEvent::getFormattedMessage).toList();
    }

    /** The longest gap between consecutive lookups after the first {@code skip} (the backoff's ramp). */
    private static long maxGapMs(List<Long> nanos, int skip) {
        long max = 0;
        for (int i = skip + 1; i < nanos.size(); i++) {
            max = Math.max(max, (nanos.get(i) - nanos.get(i - 1)) / 1_000_000);
        }
        return max;
    }

    private <T extends AutoCloseable> T track(T closeable) {
        started.add(closeable);
        return closeable;
    }

    /** A name service in which {@link #LATE_HOST} is unknown until {@link #resolvable}; it records every lookup. */
    private static final class LateNameService extends AddressResolverGroup<InetSocketAddress> {
        final List<Long> lookups = new CopyOnWriteArrayList<>();
        volatile boolean resolvable;

        @Override
        protected AddressResolver<InetSocketAddress> newResolver(EventExecutor executor) {
            return new InetSocketAddressResolver(executor, new InetNameResolver(executor) {
                @Override
                protected void doResolve(String host, Promise<InetAddress> promise) throws Exception {
                    lookups.add(System.nanoTime());
                    if (!LATE_HOST.equals(host) || !resolvable) {
                        promise.setFailure(new UnknownHostException(host));
                        return;
                    }
                    promise.setSuccess(InetAddress.getByAddress(LATE_HOST, new byte[] {127, 0, 0, 1}));
                }

                @Override
                protected void doResolveAll(String host, Promise<List<InetAddress>> promise) throws Exception {
                    Promise<InetAddress> one = executor().newPromise();
                    doResolve(host, one);
                    if (one.isSuccess()) {
                        promise.setSuccess(List.of(one.getNow()));
                    } else {
                        promise.setFailure(one.cause());
                    }
                }
            });
        }
    }
}
