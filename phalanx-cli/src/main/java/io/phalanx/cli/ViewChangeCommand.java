package io.phalanx.cli;

import io.phalanx.core.codec.CodecException;
import io.phalanx.core.codec.MessageCodec;
import io.phalanx.core.message.Bytes;
import io.phalanx.core.view.Addresses;
import io.phalanx.core.view.AdminResult;
import io.phalanx.core.view.InvalidViewException;
import io.phalanx.core.view.View;
import io.phalanx.core.view.ViewChange;
import io.phalanx.core.view.ViewHistory;
import io.phalanx.runtime.Client;
import io.phalanx.runtime.CoreSettings;
import io.phalanx.runtime.PhalanxException;
import io.phalanx.runtime.config.ClusterConfig;
import io.phalanx.runtime.config.ConfigException;
import io.phalanx.runtime.config.HostPort;
import io.phalanx.runtime.config.ClusterBundle;
import io.phalanx.runtime.config.JoinTicket;
import io.phalanx.runtime.keys.Pem;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

import java.io.IOException;
import java.io.PrintWriter;
import java.net.http.HttpClient;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;

/**
 * {@code phalanx view set-f}, {@code phalanx view add} and {@code phalanx view remove}: the administrator's changes of a
 * running cluster's view. Each prints the newest view the replicas know, refuses before sending a
 * change that does not fit it, whose quorums might not intersect its quorums (as the replicas would
 * refuse it), or whose quorum the replicas now up and caught up could not form (from their admin
 * ports, as {@code phalanx status} reads them), and otherwise sends it as an ordered request under
 * the administrator's client id ({@code cluster.admin}) and prints what the replicas answered: the
 * new view and the first consensus instance it governs, or why they refused it. Exit 0 when the
 * change was made, 1 when it was refused or its outcome is unknown.
 */
abstract class ViewChangeCommand implements Callable<Integer> {
    @Option(names = "--config", required = true, description = "The cluster file.")
    Path config;

    @Option(names = "--id", required = true, description = "The administrator's client id (cluster.admin in the file).")
    long id;

    @Option(names = "--key", description = "The administrator's private key (default: keys/client-ID.key next to the "
            + "cluster file).")
    Path key;

    @Option(names = "--timeout", description = "Seconds to wait for the replicas' answer to the change (default: "
            + "${DEFAULT-VALUE}).", defaultValue = "30")
    long timeoutSeconds;

    @Option(names = "--timeout-ms", description = "How long to wait for each replica's admin port (default: "
            + "${DEFAULT-VALUE}).", defaultValue = "2000")
    long timeoutMs;

    @Option(names = "--verbose", description = "Show the client's INFO log lines (connections and so on).")
    boolean verbose;

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    /** The change the command line asks for. */
    /** The change to send, given the newest view the replicas report. */
    abstract ViewChange change(View current);

    @Override
    public Integer call() {
        ClusterConfig cluster = StatusCommand.load(config, spec);
        checkAdministrator(cluster);
        PrintWriter out = spec.commandLine().getOut();
        PrintWriter err = spec.commandLine().getErr();
        HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofMillis(timeoutMs)).build();
        List<StatusCommand.Answer> answers = StatusCommand.fetch(http, cluster, timeoutMs);
        View current = newestView(cluster, answers);
        answers = StatusCommand.withMembersOf(http, current, answers, timeoutMs); // replicas added since the file
        ViewCommand.Show.print(out, current);
        out.flush();
        View next;
        try {
            next = change(current).applyTo(current);
            ViewHistory.checkQuorumsIntersect(current, next); // as the replicas check it when they apply it
        } catch (InvalidViewException e) {
            return fail(err, "refused before sending: " + e.getMessage());
        }
        try {
            ViewChange.checkQuorumReachable(next, upAndCaughtUp(answers, current));
        } catch (InvalidViewException e) {
            return fail(err, "refused before sending: " + e.getMessage() + whyNotUp(answers, current));
        }
        ch.qos.logback.classic.Level previous = verbose ? null : Logs.quiet();
        try {
            return send(out, err, current, change(current), next);
        } finally {
            Logs.restore(previous);
        }
    }

    /** The administrator must be the file's: the replicas install changes from that client id only. */
    private void checkAdministrator(ClusterConfig cluster) {
        if (!cluster.cluster().hasAdmin()) {
            throw new CommandLine.ParameterException(spec.commandLine(), "the cluster file names no administrator: "
                    + "set cluster.admin to a client id listed under clients (docs/CONFIG.md), on every replica");
        }
        if (cluster.cluster().admin() != id) {
            throw new CommandLine.ParameterException(spec.commandLine(), "--id: client " + id
                    + " is not the administrator; cluster.admin is " + cluster.cluster().admin());
        }
    }

    /** Sends {@code change} under the administrator's id and prints the replicas' answer, which should be {@code expected}. */
    private int send(PrintWriter out, PrintWriter err, View current, ViewChange change, View expected) {
        Bytes answer;
        try (Client client = connect(current)) {
            answer = client.invoke(Bytes.copyOf(MessageCodec.encodeViewChange(change)));
        } catch (ConfigException e) {
            throw new CommandLine.ParameterException(spec.commandLine(), e.getMessage());
        } catch (IOException e) {
            return fail(err, e.getMessage());
        } catch (PhalanxException e) {
            return fail(err, "failed: " + e.getMessage() + "; the change may still be made: see `phalanx view show`");
        }
        AdminResult result;
        try {
            result = MessageCodec.decodeAdminResult(answer.toArray());
        } catch (CodecException e) {
            return fail(err, "the replicas did not answer as to their administrator (" + e.getMessage()
                    + "): do they run with cluster.admin: " + id + "?");
        }
        if (result.refusal() != null) {
            return fail(err, "refused by the replicas: " + result.refusal());
        }
        if (!sameButForRotation(result.installed(), expected)) {
            // A run that shares its session with an earlier one (killed within the second it
            // started, then run again at once) is answered from the replicas' cache of that run.
            return fail(err, "the replicas answered with view " + result.installed().id() + " (members "
                    + result.installed().members() + ", f=" + result.installed().f() + "), not view " + expected.id()
                    + " as this change makes it: either the view changed meanwhile or that is the answer to an earlier"
                    + " run in the same client session; see `phalanx view show`");
        }
        out.printf("view %d installed; it governs from consensus id %d on%n", result.installed().id(),
                result.firstConsensusId());
        ViewCommand.Show.print(out, result.installed());
        out.flush();
        return installed(out, err, result);
    }

    /**
     * Whether the replicas installed the view this change makes: the member order may differ, since
     * the replicas rotate it to keep the leader of the regency that decided the change.
     */
    private static boolean sameButForRotation(View installed, View expected) {
        return installed.id() == expected.id() && installed.f() == expected.f() && installed.mode() == expected.mode()
                && new java.util.HashSet<>(installed.members()).equals(new java.util.HashSet<>(expected.members()))
                && installed.publicKeys().equals(expected.publicKeys()) && installed.addresses().equals(expected.addresses());
    }

    /** What the command does once the change is installed, beyond printing it; its exit status. */
    int installed(PrintWriter out, PrintWriter err, AdminResult result) {
        return 0;
    }

    /** The administrator's private key file: {@code --key}, or keys/client-ID.key next to the cluster file. */
    Path keyFile() {
        return key != null ? key : config.toAbsolutePath().getParent().resolve("keys").resolve("client-" + id + ".key");
    }

    /** The administrator's client, in the newest view the replicas report (it reaches replicas added since the file). */
    private Client connect(View current) throws IOException, ConfigException {
        Client.Builder builder = Client.builder().config(config).id(id).callTimeout(Duration.ofSeconds(timeoutSeconds))
                .view(current);
        if (key != null) {
            builder.privateKey(key);
        }
        return builder.build();
    }

    private int fail(PrintWriter err, String message) {
        err.println(spec.qualifiedName() + ": " + message);
        err.flush();
        return 1;
    }

    /**
     * The newest view that enough replicas report to include a correct one (f+1 of the file's view
     * in BFT, 1 in CFT); the file's view if none does. A replica's admin port names the newest view
     * it knows, which is the one an administrator's change applies to.
     */
    static View newestView(ClusterConfig cluster, List<StatusCommand.Answer> answers) {
        View fileView = CoreSettings.view(cluster);
        Map<View, Integer> reported = new HashMap<>();
        for (StatusCommand.Answer answer : answers) {
            View view = reportedView(answer);
            if (view != null) {
                reported.merge(view, 1, Integer::sum);
            }
        }
        int witnesses = fileView.quorums().correctWitnessSize();
        return reported.entrySet().stream().filter(e -> e.getValue() >= witnesses).map(Map.Entry::getKey)
                .filter(view -> view.id() >= fileView.id()).max((a, b) -> Long.compare(a.id(), b.id())).orElse(fileView);
    }

    /** The newest view a replica's {@code /status} names, or null if it does not answer or names none. */
    private static View reportedView(StatusCommand.Answer answer) {
        if (!answer.up() || !answer.status().path("latestView").isTextual()) {
            return null;
        }
        try {
            return MessageCodec.decodeView(Base64.getDecoder().decode(answer.status().path("latestView").asText()));
        } catch (CodecException | IllegalArgumentException e) {
            return null;
        }
    }

    /**
     * The replicas that answer, know {@code current} and have decided what the others have: not
     * recovering, not transferring state, not catching up ({@link #whyNotUp} says why the others
     * do not count).
     */
    static List<Integer> upAndCaughtUp(List<StatusCommand.Answer> answers, View current) {
        return answers.stream().filter(answer -> notUpBecause(answer, current) == null)
                .map(answer -> answer.id()).toList();
    }

    /** Why a replica does not count as up and caught up, or null if it does. */
    private static String notUpBecause(StatusCommand.Answer answer, View current) {
        if (!answer.up()) {
            return answer.error();
        }
        var status = answer.status();
        if (status.path("recovering").asBoolean()) {
            return "recovering";
        }
        if (!status.path("transfer").isNull() && !status.path("transfer").isMissingNode()) {
            return "transferring state";
        }
        if (status.path("behindBy").asLong() > 0) {
            return "catching up, " + status.path("behindBy").asLong() + " decisions behind";
        }
        if (status.path("latestViewId").asLong(-1) != current.id()) {
            return "knows view " + status.path("latestViewId").asLong(-1) + ", not view " + current.id();
        }
        return null;
    }

    /** One line per replica of {@code current} that is not up and caught up, saying why. */
    private static String whyNotUp(List<StatusCommand.Answer> answers, View current) {
        List<String> lines = new ArrayList<>();
        for (StatusCommand.Answer answer : answers) {
            String why = notUpBecause(answer, current);
            if (why != null && current.contains(answer.id())) {
                lines.add("\n  replica " + answer.id() + ": " + why);
            }
        }
        return String.join("", lines);
    }

    /** What both commands' usage says about their checks. */
    private static final String CHECKS = "Refused before sending (exit 1) if the change gives an invalid view, one whose"
            + " quorums might not intersect the current view's, or one whose quorum the replicas up and caught up (from"
            + " their admin ports) could not form; exit 1 too if the replicas refuse it.";

    /** {@code phalanx view set-f F}. */
    @Command(name = "set-f", mixinStandardHelpOptions = true,
            description = {"Set how many replicas may be faulty, as the cluster's administrator.", CHECKS})
    static final class SetF extends ViewChangeCommand {
        @Parameters(index = "0", paramLabel = "F", description = "The new f.")
        int f;

        @Override
        ViewChange change(View current) {
            return new ViewChange.SetF(f);
        }
    }

    /**
     * What {@code view add} and {@code view replace} share: the member's certificate, where it
     * listens, and the join ticket that starts it there with an empty data directory.
     */
    abstract static class MemberChange extends ViewChangeCommand {
        @Parameters(index = "0", paramLabel = "REPLICA", description = "The replica's id.")
        int replica;

        @Option(names = "--cert", required = true, description = "Its certificate (from `phalanx keygen --pair`): the key"
                + " the view names for it.")
        Path certificate;

        @Option(names = "--ticket", description = "Where to write the join ticket (default: join-REPLICA.ticket next to "
                + "the cluster file).")
        Path ticket;

        private X509Certificate loaded;

        /** The certificate of {@code --cert}, read once. */
        X509Certificate certificate() {
            if (loaded == null) {
                try {
                    loaded = Pem.readCertificate(certificate);
                } catch (IOException e) {
                    throw new CommandLine.ParameterException(spec.commandLine(), "--cert: " + e.getMessage());
                }
            }
            return loaded;
        }

        /** The encoded public key of {@code --cert}. */
        Bytes publicKey() {
            return Bytes.copyOf(certificate().getPublicKey().getEncoded());
        }

        /** Addresses from {@code host}, the two ports and an optional {@code HOST:PORT} admin address. */
        Addresses addresses(String host, int port, int clientPort, String admin) {
            if (admin != null) {
                try {
                    HostPort.parse(admin); // checked here, kept as given
                } catch (IllegalArgumentException e) {
                    throw new CommandLine.ParameterException(spec.commandLine(), "--admin: " + e.getMessage());
                }
            }
            return new Addresses(host + ":" + port, host + ":" + clientPort, admin == null ? "" : admin);
        }

        /** Writes the join ticket for the installed view, signed with the administrator's key, and says how to use it. */
        int writeTicket(PrintWriter out, PrintWriter err, AdminResult result) {
            Path file = ticket != null ? ticket
                    : config.toAbsolutePath().getParent().resolve("join-" + replica + ".ticket");
            try {
                new JoinTicket(replica, result.firstConsensusId(), result.installed(), certificate(),
                        ClusterBundle.of(config), new byte[0]).sign(Pem.readPrivateKey(keyFile())).write(file);
            } catch (IOException | GeneralSecurityException | IllegalArgumentException e) {
                err.println(spec.qualifiedName() + ": view " + result.installed().id() + " is installed, but its join"
                        + " ticket could not be written: " + e.getMessage());
                err.flush();
                return 1;
            }
            out.printf("join ticket written to %s (it carries the cluster file): start the replica, on an empty data"
                    + " directory, with%n  phalanx replica --id %d --join %s --key KEY --data DIR%n"
                    + "or, where the cluster file is at hand,%n  phalanx replica --id %d --config %s --join %s%n",
                    file, replica, file, replica, config, file);
            out.flush();
            return 0;
        }
    }

    /** {@code phalanx view add REPLICA --host H --port P --client-port Q --cert FILE}. */
    @Command(name = "add", mixinStandardHelpOptions = true, description = {"Add a replica to the view, as the cluster's"
            + " administrator, and write its join ticket, which carries the cluster file: start the new replica with"
            + " `phalanx replica --id REPLICA --join TICKET --key KEY --data DIR`; it fetches the state from its peers,"
            + " then votes.", CHECKS})
    static final class Add extends MemberChange {
        @Option(names = "--host", required = true, description = "The address its peers and clients reach it at.")
        String host;

        @Option(names = "--port", required = true, description = "Its replica-to-replica (mesh) port.")
        int port;

        @Option(names = "--client-port", required = true, description = "Its client port.")
        int clientPort;

        @Option(names = "--admin", paramLabel = "HOST:PORT", description = "Where it serves its admin port (/status,"
                + " /metrics); the view names it, so that `phalanx view` and its checks find the replica. Default: none.")
        String admin;

        @Override
        ViewChange change(View current) {
            return new ViewChange.Add(replica, publicKey(), addresses(host, port, clientPort, admin));
        }

        @Override
        int installed(PrintWriter out, PrintWriter err, AdminResult result) {
            return writeTicket(out, err, result);
        }
    }

    /** {@code phalanx view replace REPLICA --cert FILE [--host H --port P --client-port Q [--admin HOST:PORT]]}. */
    @Command(name = "replace", mixinStandardHelpOptions = true, description = {"Replace a replica's key, or move it to"
            + " other addresses, as the cluster's administrator. A new key: put the private key where the replica looks"
            + " for it first (default keys/replica-REPLICA.next.key beside its key, the certificate beside it as .crt;"
            + " phalanx keygen --pair makes both); the replica signs and presents it from the new view's first instance"
            + " on. New addresses (--host, --port and --client-port together): stop the replica first, then start it"
            + " at the new addresses, on an empty data directory, with the join ticket this writes.", CHECKS})
    static final class Replace extends MemberChange {
        @Option(names = "--host", description = "The address its peers and clients reach it at from now on.")
        String host;

        @Option(names = "--port", description = "Its new replica-to-replica (mesh) port.")
        Integer port;

        @Option(names = "--client-port", description = "Its new client port.")
        Integer clientPort;

        @Option(names = "--admin", paramLabel = "HOST:PORT", description = "Its new admin address (with --host).")
        String admin;

        private boolean moved() {
            if ((host == null) != (port == null) || (host == null) != (clientPort == null)
                    || (host == null && admin != null)) {
                throw new CommandLine.ParameterException(spec.commandLine(), "a move needs --host, --port and"
                        + " --client-port together (and --admin only with them)");
            }
            return host != null;
        }

        @Override
        ViewChange change(View current) {
            Addresses addresses = current.addresses().get(replica);
            if (addresses == null) {
                throw new CommandLine.ParameterException(spec.commandLine(), "replica " + replica
                        + " is no member of view " + current.id() + " (members " + current.members() + ")");
            }
            if (moved()) {
                addresses = addresses(host, port, clientPort, admin);
            }
            return new ViewChange.Replace(replica, publicKey(), addresses);
        }

        @Override
        int installed(PrintWriter out, PrintWriter err, AdminResult result) {
            return moved() ? writeTicket(out, err, result) : 0;
        }
    }

    /** {@code phalanx view remove REPLICA}. */
    @Command(name = "remove", mixinStandardHelpOptions = true, description = {"Remove a replica from the view, as the"
            + " cluster's administrator; it stops once the new view is in force.", CHECKS})
    static final class Remove extends ViewChangeCommand {
        @Parameters(index = "0", paramLabel = "REPLICA", description = "The id of the replica to remove.")
        int replica;

        @Override
        ViewChange change(View current) {
            return new ViewChange.Remove(replica);
        }
    }
}
