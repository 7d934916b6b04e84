package io.phalanx.runtime;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.phalanx.core.message.Bytes;
import io.phalanx.kv.KvOperation;
import io.phalanx.runtime.config.AdminEndpoint;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * A 4-replica cluster whose replicas serve their admin ports: /metrics is scraped over HTTP and
 * parsed as Prometheus text, before and after the leader is stopped.
 */
class AdminPortTest {
    private static final Duration WAIT = Duration.ofSeconds(20);
    private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();

    /** One sample of the Prometheus text format: {@code name{label="value",...} number}. */
    record Sample(String name, Map<String, String> labels, double value) {
    }

    private static final Pattern LINE = Pattern.compile("([a-zA-Z_:][a-zA-Z0-9_:]*)(\\{(.*)})?\\s+(\\S+)(\\s+\\d+)?");
    private static final Pattern LABEL = Pattern.compile("([a-zA-Z_][a-zA-Z0-9_]*)=\"((?:[^\"\\\\]|\\\\.)*)\",?");

    /** Parses the text exposition format (comments and blank lines skipped); fails on any other line. */
    static List<Sample> parse(String text) {
        List<Sample> samples = new ArrayList<>();
        for (String line : text.split("\n")) {
            if (line.isBlank() || line.startsWith("#")) {
                continue;
            }
            Matcher m = LINE.matcher(line.trim());
            if (!m.matches()) {
                throw new AssertionError("not a Prometheus sample line: " + line);
            }
            Map<String, String> labels = new HashMap<>();
            if (m.group(3) != null) {
                Matcher l = LABEL.matcher(m.group(3));
                int end = 0;
                while (l.find() && l.start() == end) {
                    labels.put(l.group(1), l.group(2).replace("\\\"", "\"").replace("\\\\", "\\"));
                    end = l.end();
                }
                assertThat(end).as("labels of %s", line).isEqualTo(m.group(3).length());
            }
            samples.add(new Sample(m.group(1), labels, Double.parseDouble(m.group(4).replace("Inf", "Infinity"))));
        }
        return samples;
    }

    /** The value of the one series {@code name} with at least {@code labels}. */
    static double value(List<Sample> samples, String name, String... labels) {
        List<Sample> found = samples.stream().filter(s -> s.name().equals(name)).filter(s -> {
            for (int i = 0; i < labels.length; i += 2) {
                if (!labels[i + 1].equals(s.labels().get(labels[i]))) {
                    return false;
                }
            }
            return true;
        }).toList();
        assertThat(found).as("series %s %s", name, List.of(labels)).hasSize(1);
        return found.get(0).value();
    }

    private HttpResponse<String> get(AdminEndpoint endpoint, String path) throws IOException, InterruptedException {
        return http.send(HttpRequest.newBuilder(URI.create(endpoint.baseUrl() + path)).timeout(Duration.ofSeconds(5))
                .GET().build(), HttpResponse.BodyHandlers.ofString());
    }

    private List<Sample> scrape(LocalCluster cluster, int replica) throws IOException, InterruptedException {
        HttpResponse<String> response = get(cluster.config.replica(replica).orElseThrow().admin(), "/metrics");
        assertThat(response.statusCode()).isEqualTo(200);
        assertThat(response.headers().firstValue("content-type")).get().asString().startsWith("text/plain");
        return parse(response.body());
    }

    private double scrapeValue(LocalCluster cluster, int replica, String name, String... labels) {
        try {
            return value(scrape(cluster, replica), name, labels);
        } catch (IOException | InterruptedException e) {
            throw new AssertionError(e);
        }
    }

    private String statusEvents(LocalCluster cluster, int replica) {
        try {
            return new ObjectMapper().readTree(get(cluster.config.replica(replica).orElseThrow().admin(), "/status")
                    .body()).get("events").toString();
        } catch (IOException | InterruptedException e) {
            throw new AssertionError(e);
        }
    }

    @Test
    void metricsFollowTheLeaderAndTheDecisionsAcrossALeaderCrash() throws Exception {
        try (LocalCluster cluster = LocalCluster.startWithAdminPorts(4, 1, 1)) {
            // Every series is there from the start, with its initial value.
            for (int i = 0; i < 4; i++) {
                List<Sample> fresh = scrape(cluster, i);
                assertThat(value(fresh, "phalanx_leader")).isEqualTo(0);
                assertThat(value(fresh, "phalanx_regency")).isEqualTo(0);
                assertThat(value(fresh, "phalanx_view_id")).isEqualTo(0);
                assertThat(value(fresh, "phalanx_leader_changes_total")).isEqualTo(0);
                assertThat(value(fresh, "phalanx_state_transfer_active")).isEqualTo(0);
                assertThat(value(fresh, "phalanx_requests_rejected_total", "reason", "pending_full")).isEqualTo(0);
                assertThat(value(fresh, "phalanx_batch_requests_count")).isEqualTo(0);
                String self = Integer.toString(i);
                assertThat(fresh).filteredOn(s -> s.name().startsWith("phalanx_"))
                        .allMatch(s -> self.equals(s.labels().get("replica")) && "0".equals(s.labels().get("view")));
            }
            Client client = cluster.client(1000);
            for (int k = 0; k < 20; k++) {
                client.invoke(new KvOperation.Incr("c", 1).encode());
            }
            long decided = cluster.replicas[1].lastDecided();
            LocalCluster.await("replicas 1..3 report their decisions", WAIT, () -> {
                for (int i = 1; i < 4; i++) {
                    if (scrapeValue(cluster, i, "phalanx_last_decided") < decided) {
                        return false;
                    }
                }
                return true;
            });
            List<Sample> leaderView = scrape(cluster, 0);
            assertThat(value(leaderView, "phalanx_is_leader")).isEqualTo(1);
            assertThat(value(leaderView, "phalanx_requests_decided_total")).isGreaterThanOrEqualTo(19);
            assertThat(value(leaderView, "phalanx_peer_connected", "peer", "3")).isEqualTo(1);

            cluster.replicas[0].close(); // the leader of regency 0
            assertThatThrownBy(() -> scrape(cluster, 0)).isInstanceOf(IOException.class);
            client.invoke(new KvOperation.Incr("c", 1).encode()); // done once a new leader is in place
            LocalCluster.await("replicas 1..3 report regency 1 led by replica 1", WAIT, () -> {
                for (int i = 1; i < 4; i++) {
                    if (scrapeValue(cluster, i, "phalanx_regency") < 1 || scrapeValue(cluster, i, "phalanx_leader") != 1) {
                        return false;
                    }
                }
                return true;
            });
            for (int i = 1; i < 4; i++) {
                List<Sample> after = scrape(cluster, i);
                assertThat(value(after, "phalanx_last_decided")).as("replica %d", i).isGreaterThan(decided);
                assertThat(value(after, "phalanx_leader_changes_total")).isGreaterThanOrEqualTo(1);
                assertThat(value(after, "phalanx_peer_connected", "peer", "0")).isEqualTo(0);
                assertThat(value(after, "phalanx_is_leader")).isEqualTo(i == 1 ? 1 : 0);
                assertThat(value(after, "phalanx_last_decision_age_seconds")).isLessThan(WAIT.toSeconds());
            }
            JsonNode status = new ObjectMapper().readTree(get(cluster.config.replica(1).orElseThrow().admin(), "/status").body());
            assertThat(status.get("role").asText()).isEqualTo("leader");
            assertThat(status.get("lastDecided").asLong()).isGreaterThan(decided);
            assertThat(status.get("peers").get(0).get("connected").asBoolean()).isFalse(); // replica 0
            // The events come from a sampler that looks every StatusSampler.PERIOD_MS, so the
            // leader-change event may follow the live series by one period.
            LocalCluster.await("replica 1 lists the leader change among its events", WAIT, 
                    () -> statusEvents(cluster, 1).contains("regency 1 installed"));
        }
    }

    @Test
    void theAdminPortIsReadOnly() throws Exception {
        try (LocalCluster cluster = LocalCluster.startWithAdminPorts(4, 1, 0)) {
            AdminEndpoint admin = cluster.config.replica(2).orElseThrow().admin();
            HttpResponse<String> post = http.send(HttpRequest.newBuilder(URI.create(admin.baseUrl() + "/metrics"))
                    .POST(HttpRequest.BodyPublishers.ofString("x")).build(), HttpResponse.BodyHandlers.ofString());
            assertThat(post.statusCode()).isEqualTo(405);
            assertThat(get(admin, "/nothing").statusCode()).isEqualTo(404);
            assertThat(get(admin, "/status").statusCode()).isEqualTo(200);
        }
    }
}
