package io.phalanx.sim.check;

import io.phalanx.core.message.Bytes;
import io.phalanx.core.message.RequestId;

/** A replica executed an ordered request as part of instance {@code consensusId}. */
public record Executed(long consensusId, RequestId requestId, Bytes operation, Bytes result) {
}
