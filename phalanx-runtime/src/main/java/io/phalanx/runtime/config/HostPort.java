package io.phalanx.runtime.config;

import java.util.Objects;

/**
 * An address as views carry it, {@code host:port} (an IPv6 host in brackets).
 *
 * @param host the host name or address
 * @param port the port, 1 to 65535
 */
public record HostPort(String host, int port) {
    /**
     * Checks the parts.
     *
     * @throws IllegalArgumentException if the host is blank or the port out of range
     */
    public HostPort {
        Objects.requireNonNull(host, "host");
        if (host.isBlank() || port < 1 || port > ClusterConfig.PORT_MAX) {
            throw new IllegalArgumentException("not a host and port: " + host + ":" + port);
        }
    }

    /**
     * Parses {@code host:port}.
     *
     * @param text the address
     * @return its host and port
     * @throws IllegalArgumentException if there is no port or it is not a number in range
     */
    public static HostPort parse(String text) {
        int colon = text.lastIndexOf(':');
        if (colon <= 0 || colon == text.length() - 1) {
            throw new IllegalArgumentException("not host:port: " + text);
        }
        String host = text.substring(0, colon);
        if (host.startsWith("[") && host.endsWith("]")) {
            host = host.substring(1, host.length() - 1);
        }
        try {
            return new HostPort(host, Integer.parseInt(text.substring(colon + 1)));
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("not host:port: " + text, e);
        }
    }
}
