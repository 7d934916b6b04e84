package io.phalanx.runtime;

import io.phalanx.kv.KvOperation;
import org.htmlunit.BrowserVersion;
import org.htmlunit.WebClient;
import org.htmlunit.html.DomElement;
import org.htmlunit.html.HtmlPage;
import org.junit.jupiter.api.Test;

import java.time.Duration;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The status page of a follower's admin port, loaded in a browser engine (HtmlUnit, JavaScript
 * on): its script fills the replica table and the connection matrix and names the leader, and after
 * the leader is stopped it shows the new leader, the leader change among its events and the lost
 * connections, without a reload.
 */
class StatusPageTest {
    private static final Duration WAIT = Duration.ofSeconds(15);

    @Test
    void thePageFollowsTheLeaderAcrossALeaderCrash() throws Exception {
        try (LocalCluster cluster = LocalCluster.startWithAdminPorts(4, 1, 1);
             WebClient browser = new WebClient(BrowserVersion.FIREFOX)) {
            browser.getOptions().setThrowExceptionOnScriptError(true);
            browser.getOptions().setThrowExceptionOnFailingStatusCode(true);
            browser.getOptions().setCssEnabled(false);
            String url = cluster.config.replica(1).orElseThrow().admin().baseUrl() + "/";
            HtmlPage page = browser.getPage(url);
            assertThat(page.getTitleText()).contains("Phalanx");

            waitFor(browser, page, "the table of 4 replicas and leader r0", () ->
                    rows(page) == 4 && "r0".equals(text(page, "leader"))
                            && text(page, "replica-0").contains("leader")
                            && text(page, "replica-3").contains("follower"));
            assertThat(text(page, "replica-1")).contains("self");

            Client client = cluster.client(1000);
            client.invoke(new KvOperation.Incr("c", 1).encode());
            cluster.replicas[0].close(); // the leader of regency 0
            client.invoke(new KvOperation.Incr("c", 1).encode()); // done once a new leader is in place

            waitFor(browser, page, "leader r1 and a leader change event", () ->
                    "r1".equals(text(page, "leader")) && text(page, "events").contains("leader-change")
                            && text(page, "replica-0").contains("no")); // r0 no longer connected
            assertThat(text(page, "replica-0")).contains("unreachable");
            assertThat(text(page, "replica-1")).contains("leader");
            assertThat(text(page, "matrix-1")).as("r1's own mesh connections").isEqualTo("r1no-yesyes");
            assertThat(text(page, "matrix-0")).as("r0 does not answer").isEqualTo("r0-???");
            // The chart needs two samples of the once-a-second history: a quick leader change can
            // come before the second.
            waitFor(browser, page, "the chart's line, from /history",
                    () -> !page.getElementById("rate-line").getAttribute("points").isBlank());
        }
    }

    private static int rows(HtmlPage page) {
        return page.getElementById("replicas").getChildElementCount();
    }

    private static String text(HtmlPage page, String id) {
        DomElement element = page.getElementById(id);
        return element == null ? "" : element.getTextContent();
    }

    /** Lets the page's timers and requests run until {@code condition} holds; fails with the page's text otherwise. */
    private static void waitFor(WebClient browser, HtmlPage page, String what, java.util.function.BooleanSupplier condition) {
        long deadline = System.nanoTime() + WAIT.toNanos();
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() > deadline) {
                throw new AssertionError("the status page did not show " + what + " within " + WAIT + ":\n"
                        + page.asNormalizedText());
            }
            browser.waitForBackgroundJavaScript(200);
        }
    }
}
