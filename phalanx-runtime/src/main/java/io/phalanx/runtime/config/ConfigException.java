package io.phalanx.runtime.config;

/**
 * A cluster file, or a config built in code, that cannot be used. The message always starts
 * with the key path of the offending value ({@code replicas[2].port: ...}) so an operator can
 * fix the file without reading code. Thrown at load, before any socket is opened.
 */
public final class ConfigException extends Exception {
    private final String keyPath;

    public ConfigException(String keyPath, String problem) {
        super(keyPath + ": " + problem);
        this.keyPath = keyPath;
    }

    public ConfigException(String keyPath, String problem, Throwable cause) {
        super(keyPath + ": " + problem, cause);
        this.keyPath = keyPath;
    }

    /** The key path of the bad value, e.g. {@code replicas[2].port}; empty for the whole file. */
    public String keyPath() {
        return keyPath;
    }
}
