package io.phalanx.cli;

import io.phalanx.kv.KvOperation;
import io.phalanx.kv.KvResult;
import io.phalanx.runtime.Client;
import io.phalanx.runtime.PhalanxException;
import io.phalanx.runtime.config.ConfigException;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.Callable;

/**
 * {@code phalanx client}: one key-value operation given as arguments, or, with none, an
 * interactive shell reading operations from stdin.
 */
@Command(name = "client", mixinStandardHelpOptions = true,
        description = {"Talk to a running cluster's key-value service.",
                "",
                "With an OPERATION, runs it and prints the result; without, reads operations",
                "from stdin (a shell: help, quit). Exit status 1 if a call failed or the",
                "service returned an error. Operations:",
                "",
                KvCommands.HELP,
                "",
                "Each run starts a new client session, so a client id can be used by one run",
                "after another, but not by two runs at the same time."})
public final class ClientCommand implements Callable<Integer> {

    @Option(names = "--config", required = true, description = "The cluster file.")
    Path config;

    @Option(names = "--id", required = true, description = "This client's id in the cluster file (e.g. 1000).")
    long id;

    @Option(names = "--key", description = "Private key (default: keys/client-ID.key next to the cluster file).")
    Path key;

    @Option(names = "--timeout", description = "Seconds to wait for each result (default: ${DEFAULT-VALUE}).",
            defaultValue = "30")
    long timeoutSeconds;

    @Option(names = "--verbose", description = "Show the client's INFO log lines (connections and so on).")
    boolean verbose;

    @Parameters(arity = "0..*", paramLabel = "OPERATION", description = "e.g. put k v | get k | del k | cas k old new | incr k 5")
    List<String> operation = new ArrayList<>();

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Override
    public Integer call() throws Exception {
        PrintWriter out = spec.commandLine().getOut();
        PrintWriter err = spec.commandLine().getErr();
        KvOperation oneShot = null;
        if (!operation.isEmpty()) {
            try {
                oneShot = KvCommands.parse(operation);
            } catch (KvCommands.UsageException e) {
                throw new CommandLine.ParameterException(spec.commandLine(), e.getMessage());
            }
        }
        ch.qos.logback.classic.Level previous = verbose ? null : Logs.quiet();
        try (Client client = connect()) {
            if (oneShot != null) {
                return runOne(client, oneShot, out, err) ? 0 : 1;
            }
            return shell(client, out, err);
        } catch (ConfigException e) {
            throw new CommandLine.ParameterException(spec.commandLine(), e.getMessage());
        } catch (IOException e) {
            err.println("phalanx client: " + e.getMessage());
            err.flush();
            return 1;
        } finally {
            Logs.restore(previous);
        }
    }

    private Client connect() throws IOException, ConfigException {
        Client.Builder builder = Client.builder().config(config).id(id).callTimeout(Duration.ofSeconds(timeoutSeconds));
        if (key != null) {
            builder.privateKey(key);
        }
        return builder.build();
    }

    private static boolean runOne(Client client, KvOperation operation, PrintWriter out, PrintWriter err) {
        try {
            KvResult result = KvCommands.run(client, operation);
            out.println(KvCommands.describe(operation, result));
            out.flush();
            return !(result instanceof KvResult.Error);
        } catch (PhalanxException e) {
            err.println("failed: " + e.getMessage());
            err.flush();
            return false;
        }
    }

    private static int shell(Client client, PrintWriter out, PrintWriter err) throws IOException {
        boolean interactive = System.console() != null;
        BufferedReader in = new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8));
        if (interactive) {
            out.println("Connected as client " + client.id() + ". Type help for the operations, quit to leave.");
        }
        int failures = 0;
        while (true) {
            if (interactive) {
                out.print("phalanx> ");
            }
            out.flush();
            String line = in.readLine();
            if (line == null) {
                break;
            }
            List<String> words = Arrays.stream(line.trim().split("\\s+")).filter(w -> !w.isEmpty()).toList();
            if (words.isEmpty()) {
                continue;
            }
            String verb = words.get(0).toLowerCase();
            if (verb.equals("quit") || verb.equals("exit")) {
                break;
            }
            if (verb.equals("help")) {
                out.println(KvCommands.HELP + "\n  help                    this text\n  quit                    leave");
                continue;
            }
            try {
                if (!runOne(client, KvCommands.parse(words), out, err)) {
                    failures++;
                }
            } catch (KvCommands.UsageException e) {
                err.println(e.getMessage());
                err.flush();
            }
        }
        return failures == 0 ? 0 : 1;
    }
}
