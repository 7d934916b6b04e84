package io.phalanx.cli;

import io.phalanx.core.crypto.Digests;
import io.phalanx.core.view.Addresses;
import io.phalanx.core.view.QuorumSystem;
import io.phalanx.core.view.View;
import io.phalanx.runtime.CoreSettings;
import io.phalanx.runtime.config.ClusterConfig;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

import java.io.PrintWriter;
import java.net.http.HttpClient;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HexFormat;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;

/**
 * {@code phalanx view}: the replica group a cluster file describes, the views its replicas run,
 * and the administrator's changes of it ({@link ViewChangeCommand}).
 */
@Command(name = "view", mixinStandardHelpOptions = true,
        description = "Show the view (the replica group), or change it as the cluster's administrator.",
        subcommands = {ViewCommand.Show.class, ViewChangeCommand.SetF.class, ViewChangeCommand.Add.class,
                ViewChangeCommand.Remove.class, ViewChangeCommand.Replace.class})
public final class ViewCommand implements Runnable {
    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Override
    public void run() {
        spec.commandLine().usage(spec.commandLine().getOut());
    }

    /**
     * {@code phalanx view show}: the view of the cluster file (id, mode, f, quorum sizes, and each
     * member's addresses, key fingerprint and the regencies it leads), then, for replicas with an
     * admin port, the view and regency each one runs, and the newest view they know if an
     * administrator changed it. Exit 0 when every replica that answers runs the file's view; 1 if
     * one runs another.
     */
    @Command(name = "show", mixinStandardHelpOptions = true,
            description = "Print the cluster file's view and the view every replica with an admin port runs; exit 1 "
                    + "if a replica runs another view.")
    static final class Show implements Callable<Integer> {
        /** Regencies listed per member: enough to show the rotation. */
        private static final int REGENCIES_SHOWN = 3;

        @Option(names = "--config", required = true, description = "The cluster file.")
        Path config;

        @Option(names = "--timeout-ms", description = "How long to wait for each replica's admin port (default: "
                + "${DEFAULT-VALUE}).", defaultValue = "2000")
        long timeoutMs;

        @CommandLine.Spec
        CommandLine.Model.CommandSpec spec;

        @Override
        public Integer call() {
            ClusterConfig cluster = StatusCommand.load(config, spec);
            PrintWriter out = spec.commandLine().getOut();
            View view = CoreSettings.view(cluster);
            print(out, view);
            int exit = 0;
            if (cluster.replicas().stream().anyMatch(r -> r.admin() != null)) {
                HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofMillis(timeoutMs)).build();
                List<StatusCommand.Answer> answers = StatusCommand.fetch(http, cluster, timeoutMs);
                View newest = ViewChangeCommand.newestView(cluster, answers);
                // Replicas added since the file was written, at the admin addresses the newest view gives.
                exit = printRunning(out, StatusCommand.withMembersOf(http, newest, answers, timeoutMs), view);
                if (newest.id() != view.id()) {
                    out.println();
                    out.println("The replicas know a newer view than the file's (an administrator changed it):");
                    print(out, newest);
                }
            }
            out.flush();
            return exit;
        }

        static void print(PrintWriter out, View view) {
            QuorumSystem quorums = view.quorums();
            out.printf(Locale.ROOT, "view %d: %s, n=%d, f=%d; a quorum is %d replicas, %d vouch for a claim%n",
                    view.id(), view.mode(), view.n(), view.f(), quorums.quorumSize(), quorums.correctWitnessSize());
            out.printf(Locale.ROOT, "%-8s %-22s %-22s %-18s %s%n", "replica", "mesh", "client", "key (SHA-256)",
                    "leads regencies");
            for (int position = 0; position < view.n(); position++) {
                int member = view.members().get(position);
                Addresses addresses = view.addresses().get(member);
                StringBuilder regencies = new StringBuilder();
                for (int k = 0; k < REGENCIES_SHOWN; k++) {
                    regencies.append(position + k * view.n()).append(", ");
                }
                regencies.append("...");
                out.printf(Locale.ROOT, "%-8d %-22s %-22s %-18s %s%n", member,
                        addresses == null ? "-" : addresses.mesh(), addresses == null ? "-" : addresses.client(),
                        fingerprint(view, member), regencies);
            }
        }

        private static String fingerprint(View view, int member) {
            var key = view.publicKeys().get(member);
            return key == null ? "-" : HexFormat.of().formatHex(Digests.sha256(key.toArray()).value().toArray(), 0, 8);
        }

        /** Each replica's running view and regency, from its admin port; 1 if one runs another view. */
        private static int printRunning(PrintWriter out, List<StatusCommand.Answer> answers, View view) {
            out.println();
            out.printf(Locale.ROOT, "%-8s %s%n", "replica", "runs");
            int exit = 0;
            for (StatusCommand.Answer answer : answers) {
                String runs;
                if (!answer.up()) {
                    runs = answer.error();
                } else {
                    long running = answer.status().path("viewId").asLong(-1);
                    runs = String.format(Locale.ROOT, "view %d, regency %d (leader r%d)", running,
                            answer.status().path("regency").asInt(), answer.status().path("leader").asInt());
                    if (running != view.id()) {
                        runs += ": NOT the file's view " + view.id();
                        exit = 1;
                    }
                }
                out.printf(Locale.ROOT, "%-8d %s%n", answer.id(), runs);
            }
            return exit;
        }
    }
}
