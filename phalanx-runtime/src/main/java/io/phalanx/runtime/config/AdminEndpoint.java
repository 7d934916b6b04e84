package io.phalanx.runtime.config;

/**
 * Where a replica serves its admin HTTP endpoints ({@code /metrics}, {@code /status}): read-only,
 * plain HTTP, so it listens on loopback unless the file names another address. A replica whose
 * entry has no {@code admin} section serves none.
 *
 * @param host address to listen on (and that {@code phalanx status} connects to)
 * @param port TCP port
 */
public record AdminEndpoint(String host, int port) {
    /** The listen address when the file gives none: nothing off the machine can reach it. */
    public static final String HOST_DEFAULT = "127.0.0.1";

    /**
     * The base of the admin URLs.
     *
     * @return {@code http://host:port}, an IPv6 host in brackets
     */
    public String baseUrl() {
        return "http://" + (host.indexOf(':') >= 0 ? "[" + host + "]" : host) + ":" + port;
    }
}
