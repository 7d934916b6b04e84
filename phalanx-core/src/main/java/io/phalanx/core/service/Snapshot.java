package io.phalanx.core.service;

import java.io.IOException;
import java.io.OutputStream;

/**
 * A service's state captured at one point of execution, to be written out later, possibly from
 * another thread while execution goes on ({@link Service#openSnapshot}). Written once, then
 * closed; closing releases what the capture holds (a storage engine's snapshot, a copy).
 */
public interface Snapshot extends AutoCloseable {

    /**
     * Writes the captured state to {@code out}: deterministic, so services that executed the
     * same operations write the same bytes, whatever the moment and the thread of the call.
     * {@link Service#restore(java.io.InputStream)} reads these bytes back.
     *
     * @param out where the state goes; not closed here
     * @throws IOException if writing to {@code out} fails
     */
    void writeTo(OutputStream out) throws IOException;

    @Override
    void close();
}
