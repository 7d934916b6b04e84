package io.phalanx.cli;

import org.junit.jupiter.api.Test;
import picocli.CommandLine;

import static org.assertj.core.api.Assertions.assertThat;

class DemoCommandTest {
    @Test
    void shortDemoWithALeaderCrashPasses() {
        int exit = PhalanxCommand.commandLine().execute("demo", "--duration", "24", "--clients", "3");
        assertThat(exit).isZero();
    }
}
