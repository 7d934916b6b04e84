/**
 * JMH micro-benchmarks of Phalanx's hot path: codec, batch digests, signatures and MACs, and the
 * replica core's {@code step} throughput in isolation. Run them from the uber-jar built by the
 * {@code jmh} Maven profile (see {@code docs/PERFORMANCE.md}); they are never part of the tests.
 */
package io.phalanx.bench.jmh;
