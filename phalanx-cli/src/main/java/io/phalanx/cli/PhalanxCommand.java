package io.phalanx.cli;

import picocli.CommandLine;
import picocli.CommandLine.Command;

import java.io.PrintWriter;

/** The {@code phalanx} command: one entry point, one subcommand per job. */
@Command(name = "phalanx", mixinStandardHelpOptions = true, version = "phalanx 0.1.0",
        description = "Byzantine fault-tolerant state machine replication.",
        subcommands = {DemoCommand.class, OrderingDemoCommand.class, ReplicaCommand.class, OrdererCommand.class,
                FrontendCommand.class, ClientCommand.class, KeygenCommand.class,
                StatusCommand.class, ViewCommand.class, SimCommand.class,
                io.phalanx.cli.bench.BenchCommand.class,
                CommandLine.HelpCommand.class})
public final class PhalanxCommand implements Runnable {
    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Override
    public void run() {
        spec.commandLine().usage(System.out);
    }

    /**
     * Runs the {@code phalanx} command and exits with its exit code.
     *
     * @param args the command line's arguments
     */
    public static void main(String[] args) {
        System.exit(commandLine().execute(args));
    }

    /**
     * The command line, set to report a bad argument or config file with its message and a hint
     * to use --help: the full usage text would bury the one line that says what is wrong.
     *
     * @return the {@code phalanx} command with its subcommands, ready to execute
     */
    public static CommandLine commandLine() {
        return new CommandLine(new PhalanxCommand()).setParameterExceptionHandler(PhalanxCommand::reportBadParameter);
    }

    private static int reportBadParameter(CommandLine.ParameterException e, String[] args) {
        CommandLine command = e.getCommandLine();
        PrintWriter err = command.getErr();
        err.println(command.getCommandSpec().qualifiedName() + ": " + e.getMessage());
        CommandLine.UnmatchedArgumentException.printSuggestions(e, err);
        err.println("Try '" + command.getCommandSpec().qualifiedName() + " --help' for usage.");
        err.flush();
        return command.getCommandSpec().exitCodeOnInvalidInput();
    }
}
