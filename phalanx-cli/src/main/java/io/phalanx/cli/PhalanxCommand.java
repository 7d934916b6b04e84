package io.phalanx.cli;

import picocli.CommandLine;
import picocli.CommandLine.Command;

/** The {@code phalanx} command: one entry point, one subcommand per job. */
@Command(name = "phalanx", mixinStandardHelpOptions = true, version = "phalanx 0.1.0",
        description = "Byzantine fault-tolerant state machine replication.",
        subcommands = {DemoCommand.class, ReplicaCommand.class, ClientCommand.class, KeygenCommand.class, SimCommand.class,
                io.phalanx.cli.bench.BenchCommand.class,
                CommandLine.HelpCommand.class})
public final class PhalanxCommand implements Runnable {
    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Override
    public void run() {
        spec.commandLine().usage(System.out);
    }

    public static void main(String[] args) {
        System.exit(new CommandLine(new PhalanxCommand()).execute(args));
    }
}
