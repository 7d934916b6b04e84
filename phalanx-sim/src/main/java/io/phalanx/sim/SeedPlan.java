package io.phalanx.sim;

import io.phalanx.core.view.Mode;

import java.util.ArrayList;
import java.util.List;
import java.util.Set;

/**
 * Which cluster shape, and which enabled faults, each seed runs: seeds cycle through the chosen (mode, n) pairs, so a sweep
 * of N seeds covers every shape evenly and any single seed can be replayed from its number and
 * the same choice of shapes.
 *
 * @param shapes  the shapes the seeds cycle through
 * @param faults  the faults enabled in every run
 * @param service the service every run's replicas run; it adds no draw to a seed's parameters
 */
public record SeedPlan(List<Shape> shapes, Set<Fault> faults, SimService service) {
    /**
     * A cluster shape: fault model and size.
     *
     * @param mode     the fault model
     * @param replicas the number of replicas
     */
    public record Shape(Mode mode, int replicas) {
        @Override
        public String toString() {
            return mode.name().toLowerCase() + " n=" + replicas;
        }
    }

    /** BFT n = 4, 7, 10 and CFT n = 3, 5, 7. */
    public static final List<Shape> STANDARD = List.of(new Shape(Mode.BFT, 4), new Shape(Mode.CFT, 3),
            new Shape(Mode.BFT, 7), new Shape(Mode.CFT, 5), new Shape(Mode.BFT, 10), new Shape(Mode.CFT, 7));

    /**
     * Copies the collections.
     *
     * @param shapes  the shapes the seeds cycle through, at least one
     * @param faults  the faults enabled in every run
     * @param service the service the replicas run
     * @throws IllegalArgumentException if there is no shape
     */
    public SeedPlan {
        if (shapes.isEmpty()) {
            throw new IllegalArgumentException("a seed plan needs at least one shape");
        }
        shapes = List.copyOf(shapes);
        faults = Set.copyOf(faults);
        java.util.Objects.requireNonNull(service, "service");
    }

    /**
     * A plan of runs of the key-value service.
     *
     * @param shapes the shapes the seeds cycle through, at least one
     * @param faults the faults enabled in every run
     */
    public SeedPlan(List<Shape> shapes, Set<Fault> faults) {
        this(shapes, faults, SimService.KV);
    }

    /**
     * The standard shapes with every fault enabled, optionally narrowed to one mode and/or one size.
     *
     * @param mode     the one fault model to run, or null for both
     * @param replicas the one cluster size to run, or null for all
     * @return the plan
     * @throws IllegalArgumentException if no standard shape matches and not both are given
     */
    public static SeedPlan of(Mode mode, Integer replicas) {
        return of(mode, replicas, Fault.all());
    }

    /**
     * The standard shapes, optionally narrowed, with the given faults enabled. Given both a mode
     * and a size that no standard shape has, the plan runs that shape alone.
     *
     * @param mode     the one fault model to run, or null for both
     * @param replicas the one cluster size to run, or null for all
     * @param faults   the faults to enable
     * @return the plan
     * @throws IllegalArgumentException if no standard shape matches and not both are given
     */
    public static SeedPlan of(Mode mode, Integer replicas, Set<Fault> faults) {
        List<Shape> chosen = new ArrayList<>();
        for (Shape shape : STANDARD) {
            if ((mode == null || shape.mode() == mode) && (replicas == null || shape.replicas() == replicas)) {
                chosen.add(shape);
            }
        }
        if (chosen.isEmpty()) {
            if (mode == null || replicas == null) {
                throw new IllegalArgumentException("no standard shape has " + (mode != null ? "mode " + mode : "")
                        + (replicas != null ? " n=" + replicas : "") + "; give both --mode and --replicas");
            }
            chosen.add(new Shape(mode, replicas));
        }
        return new SeedPlan(chosen, faults);
    }

    /**
     * This plan with the replicas running {@code newService}: every seed draws the same parameters.
     *
     * @param newService the service
     * @return the plan
     */
    public SeedPlan withService(SimService newService) {
        return new SeedPlan(shapes, faults, newService);
    }

    /**
     * The shape a seed runs.
     *
     * @param seed the seed
     * @return the shape at {@code seed mod shapes.size()}
     */
    public Shape shapeOf(long seed) {
        return shapes.get((int) Math.floorMod(seed, (long) shapes.size()));
    }

    /**
     * The configuration a seed runs: its shape, randomized by the seed within the enabled faults.
     *
     * @param seed the seed
     * @return the run's configuration
     */
    public SimConfig configFor(long seed) {
        Shape shape = shapeOf(seed);
        SimConfig config = SimConfig.randomized(seed, shape.mode(), shape.replicas(), faults);
        return service == SimService.KV ? config : config.withService(service);
    }
}
