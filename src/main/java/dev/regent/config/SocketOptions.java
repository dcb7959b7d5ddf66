package dev.regent.config;

import java.util.List;

/**
 * How the listening sockets are set up, beyond their addresses.
 *
 * @param chmod         mode given to Unix socket files after binding ({@code chmod-socket}, {@code -C});
 *                      null leaves the mode the umask gave. Bare {@code --chmod-socket} means 0666.
 * @param chown         owner of Unix socket files, {@code user[:group]} by name or number ({@code chown-socket});
 *                      null leaves them as created. Without {@code :group} the group is unchanged, as uWSGI does.
 * @param reusePort     SO_REUSEPORT on TCP listeners ({@code reuse-port}; default off)
 * @param sharedSockets addresses given to {@code shared-socket}, in order; a socket option whose value is
 *                      {@code =N} serves shared socket N. Resolved by the loader: every {@link SocketSpec}
 *                      already carries the real address, and these are bound first.
 * @param uwsgiDirect   workers accept on uwsgi sockets themselves when nothing needs the master in the
 *                      request's path ({@code uwsgi-direct}; default on; see docs/concurrency.md)
 */
public record SocketOptions(Integer chmod, String chown, boolean reusePort, List<String> sharedSockets,
                            boolean uwsgiDirect) {

    public SocketOptions {
        sharedSockets = List.copyOf(sharedSockets);
    }

    /** No chmod, no chown, no SO_REUSEPORT, no shared sockets; direct uwsgi on. */
    public static SocketOptions defaults() {
        return new SocketOptions(null, null, false, List.of(), true);
    }
}
