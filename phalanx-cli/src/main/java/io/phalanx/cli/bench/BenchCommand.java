package io.phalanx.cli.bench;

import picocli.CommandLine;
import picocli.CommandLine.Command;

/** {@code phalanx bench}: the benchmarks, which are never timed unit tests. */
@Command(name = "bench", mixinStandardHelpOptions = true,
        description = {"Benchmarks: replicas as separate JVMs on 127.0.0.1, results as CSV and PNG.",
                "See docs/PERFORMANCE.md for what was measured and how."},
        subcommands = {ThroughputCommand.class, TimelineCommand.class, StateTransferCommand.class, OrderingCommand.class,
                LoadCommand.class, CommandLine.HelpCommand.class})
public final class BenchCommand implements Runnable {
    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Override
    public void run() {
        spec.commandLine().usage(System.err);
    }
}
