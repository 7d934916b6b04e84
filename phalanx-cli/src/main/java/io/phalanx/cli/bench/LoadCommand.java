package io.phalanx.cli.bench;

import io.phalanx.bench.process.LoadGenerator;
import io.phalanx.bench.process.LoadPhase;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.Callable;

/**
 * {@code phalanx bench load}: the load generator process that {@code bench throughput} and
 * {@code bench timeline} start; it runs a {@link LoadGenerator} over the {@code --phase}s given,
 * in order (see {@link LoadPhase} for their form).
 */
@Command(name = "load", hidden = true, mixinStandardHelpOptions = true,
        description = "Closed-loop load generator used by the other bench commands.")
public final class LoadCommand implements Callable<Integer> {
    @Option(names = "--config", required = true)
    Path config;
    @Option(names = "--ids", required = true, split = ",", description = "Client ids to use (their keys next to the config).")
    List<Long> ids;
    @Option(names = "--phase", required = true, description = "NAME:OUTSTANDING:WARMUP:DURATION; repeatable, run in order.")
    List<String> phaseSpecs;
    @Option(names = "--request-bytes", defaultValue = "0")
    int requestBytes;
    @Option(names = "--out", required = true)
    Path out;

    @Override
    public Integer call() throws Exception {
        List<LoadPhase> phases = phaseSpecs.stream().map(LoadPhase::parse).toList();
        new LoadGenerator(config, ids, requestBytes, out).run(phases);
        return 0;
    }
}
