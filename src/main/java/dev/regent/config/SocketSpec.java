package dev.regent.config;

/**
 * One listening socket as configured: its protocol and its address.
 *
 * <p>{@code address} is what the user wrote ({@code "127.0.0.1:8080"}, {@code ":8080"},
 * {@code "[::]:8080"}, {@code "/run/app.sock"}, {@code "@abstract"}); {@link #isUnix()}
 * tells a Unix socket path from a TCP address.
 */
public record SocketSpec(Protocol protocol, String address) {

    /** The wire protocol a socket speaks. */
    public enum Protocol {
        /** HTTP/1.1 served by the master ({@code http-socket}, {@code http11-socket}, {@code http}). */
        HTTP,
        /** The uwsgi binary protocol ({@code socket}, {@code uwsgi-socket}). */
        UWSGI
    }

    /** True when the address names a Unix socket (a path, or {@code @name} for the abstract namespace). */
    public boolean isUnix() {
        return address.startsWith("/") || address.startsWith("./") || address.startsWith("@")
                || !address.contains(":");
    }

    /** True for a Linux abstract-namespace Unix socket ({@code @name}): no file, so no chmod, chown or vacuum. */
    public boolean isAbstract() {
        return address.startsWith("@");
    }

    /** The TCP host part; empty means all interfaces. Only for TCP sockets. */
    public String host() {
        int colon = address.lastIndexOf(':');
        String host = address.substring(0, colon);
        if (host.startsWith("[") && host.endsWith("]")) {
            host = host.substring(1, host.length() - 1);
        }
        return host;
    }

    /** The TCP port; 0 asks the kernel for a free one. Only for TCP sockets. */
    public int port() {
        return Integer.parseInt(address.substring(address.lastIndexOf(':') + 1));
    }
}
