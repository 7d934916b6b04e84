package io.phalanx.cli;

import org.junit.jupiter.api.Test;

import java.io.ByteArrayOutputStream;
import java.io.OutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;

import static org.assertj.core.api.Assertions.assertThat;

class DemoCommandTest {
    @Test
    void shortDemoWithALeaderCrashPasses() {
        PrintStream console = System.out;
        ByteArrayOutputStream printed = new ByteArrayOutputStream();
        System.setOut(new PrintStream(new OutputStream() { // the console still sees everything
            @Override
            public void write(int b) {
                console.write(b);
                printed.write(b);
            }

            @Override
            public void write(byte[] bytes, int offset, int length) {
                console.write(bytes, offset, length);
                printed.write(bytes, offset, length);
            }
        }, true, StandardCharsets.UTF_8));
        int exit;
        try {
            exit = PhalanxCommand.commandLine().execute("demo", "--duration", "24", "--clients", "3");
        } finally {
            System.setOut(console);
        }
        assertThat(exit).isZero();
        assertThat(printed.toString(StandardCharsets.UTF_8)).containsPattern("status page: http://127\\.0\\.0\\.1:\\d+/ ");
    }
}
