package io.phalanx.runtime.config;

/**
 * A cluster file, or a config built in code, that cannot be used. The message always starts
 * with the key path of the offending value ({@code replicas[2].port: ...}) so an operator can
 * fix the file without reading code. Thrown at load, before any socket is opened.
 */
public final class ConfigException extends Exception {
    /** The key path of the bad value; empty for the whole file. */
    private final String keyPath;

    /**
     * An exception whose message is {@code keyPath: problem}.
     *
     * @param keyPath the key path of the bad value, e.g. {@code replicas[2].port}; empty for the whole file
     * @param problem what is wrong with it
     */
    public ConfigException(String keyPath, String problem) {
        super(keyPath + ": " + problem);
        this.keyPath = keyPath;
    }

    /**
     * An exception whose message is {@code keyPath: problem}, caused by another failure (a file
     * that cannot be read, say).
     *
     * @param keyPath the key path of the bad value; empty for the whole file
     * @param problem what is wrong with it
     * @param cause   the failure that revealed it
     */
    public ConfigException(String keyPath, String problem, Throwable cause) {
        super(keyPath + ": " + problem, cause);
        this.keyPath = keyPath;
    }

    /**
     * Which value is bad.
     *
     * @return the key path of the bad value, e.g. {@code replicas[2].port}; empty for the whole file
     */
    public String keyPath() {
        return keyPath;
    }
}
