package io.phalanx.cli;

import org.junit.jupiter.api.Test;
import picocli.CommandLine;

import java.io.PrintWriter;
import java.io.StringWriter;

import static org.assertj.core.api.Assertions.assertThat;

class OrderingDemoCommandTest {
    @Test
    void aShortOrderingDemoWithTheLeaderCrashedDeliversEveryEnvelopeOnce() {
        StringWriter printed = new StringWriter();
        CommandLine command = PhalanxCommand.commandLine();
        command.setOut(new PrintWriter(printed, true));
        int exit = command.execute("ordering-demo", "--duration", "6", "--rate", "100");
        String output = printed.toString();
        assertThat(exit).as(output).isZero();
        assertThat(output).containsPattern("crashing node \\d, the leader")
                .contains("0 refused").contains("0 more than once").contains("0 blocks failed the chain or signature check")
                .contains("OK: every envelope acknowledged and delivered in exactly one hash-chained, quorum-signed block");
    }
}
