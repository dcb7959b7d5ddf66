package dev.regent.config;

import static dev.regent.config.Option.Status.ACCEPTED_NO_EFFECT;
import static dev.regent.config.Option.Status.IMPLEMENTED;
import static dev.regent.config.Option.Status.NOT_YET_IMPLEMENTED;
import static dev.regent.config.OptionType.ANY;
import static dev.regent.config.OptionType.BYTES;
import static dev.regent.config.OptionType.COUNT;
import static dev.regent.config.OptionType.FLAG;
import static dev.regent.config.OptionType.MODE;
import static dev.regent.config.OptionType.NUMBER;
import static dev.regent.config.OptionType.OCTAL;
import static dev.regent.config.OptionType.PATH;
import static dev.regent.config.OptionType.SECONDS;
import static dev.regent.config.OptionType.SOCKET;
import static dev.regent.config.OptionType.TEXT;

import java.util.List;
import java.util.stream.Stream;

/** The option table, part 1: sockets, processes, request limits and the process lifecycle. */
final class ServerOptions {

    private ServerOptions() {
    }

    static List<Option> all() {
        return Stream.of(sockets(), processes(), lifecycle(), recycling()).flatMap(List::stream).toList();
    }

    private static List<Option> sockets() {
        String area = "Sockets";
        return Stream.of(
                Option.of("http-socket", SOCKET, null, IMPLEMENTED, "serve HTTP/1.1 on this address").repeated(),
                Option.of("http11-socket", SOCKET, null, IMPLEMENTED, "same as http-socket").repeated(),
                Option.of("http", SOCKET, null, IMPLEMENTED,
                        "same as http-socket (Regent has no separate HTTP router process)").repeated(),
                Option.of("socket", SOCKET, null, IMPLEMENTED, "serve the uwsgi protocol on this address")
                        .alias("uwsgi-socket").flag('s').repeated(),
                Option.of("https-socket", ANY, null, NOT_YET_IMPLEMENTED, "serve HTTPS on this address").repeated(),
                Option.of("fastcgi-socket", ANY, null, NOT_YET_IMPLEMENTED, "serve FastCGI").repeated(),
                Option.of("scgi-socket", ANY, null, NOT_YET_IMPLEMENTED, "serve SCGI").repeated(),
                Option.of("raw-socket", ANY, null, NOT_YET_IMPLEMENTED, "serve the raw protocol").repeated(),
                Option.of("puwsgi-socket", ANY, null, NOT_YET_IMPLEMENTED, "serve persistent uwsgi").repeated(),
                Option.of("shared-socket", SOCKET, null, IMPLEMENTED,
                        "bind this address first; serve it with socket = =N (N counts shared sockets from 0)")
                        .repeated(),
                Option.of("listen", COUNT, "100", IMPLEMENTED, "bound of the queue of requests waiting for a worker")
                        .flag('l'),
                Option.of("chmod-socket", MODE, null, IMPLEMENTED, "mode of Unix sockets").flag('C'),
                Option.of("chown-socket", TEXT, null, IMPLEMENTED, "owner of Unix sockets (user[:group])"),
                Option.of("reuse-port", FLAG, "false", IMPLEMENTED, "set SO_REUSEPORT on TCP listeners"),
                Option.of("uwsgi-direct", FLAG, "true", IMPLEMENTED,
                        "workers accept on uwsgi sockets themselves (Regent; off: the master relays every request)"),
                Option.of("so-keepalive", FLAG, "false", NOT_YET_IMPLEMENTED, "set SO_KEEPALIVE on listeners"),
                Option.of("http-keepalive", ANY, null, ACCEPTED_NO_EFFECT,
                        "HTTP keep-alive is always on; see http-keepalive-timeout"),
                Option.of("skip-zero", FLAG, "false", NOT_YET_IMPLEMENTED, "do not adopt a socket passed as fd 0"),
                Option.of("honour-stdin", FLAG, "false", NOT_YET_IMPLEMENTED, "keep stdin open"),
                Option.of("socket-timeout", SECONDS, "30", IMPLEMENTED,
                        "seconds a client may leave a response unread before it is disconnected (uWSGI: 4)")
                        .flag('z'))
                .map(o -> o.in(area)).toList();
    }

    private static List<Option> processes() {
        String area = "Processes and requests";
        return Stream.of(
                Option.of("processes", COUNT, "1", IMPLEMENTED, "number of worker processes")
                        .alias("workers").flag('p'),
                Option.of("threads", COUNT, "1", IMPLEMENTED, "request slots (threads) per worker"),
                Option.of("buffer-size", COUNT, "65536", IMPLEMENTED, "largest request head accepted, in bytes")
                        .flag('b'),
                Option.of("limit-post", BYTES, "0", IMPLEMENTED, "largest request body, in bytes (0 = no limit)"),
                Option.of("http-header-timeout", SECONDS, "10", IMPLEMENTED,
                        "seconds a client has to send a complete request head (Regent)"),
                Option.of("http-keepalive-timeout", SECONDS, "15", IMPLEMENTED,
                        "seconds an idle keep-alive connection is kept open (Regent)"),
                Option.of("harakiri", SECONDS, "0", IMPLEMENTED, "kill a worker whose request runs longer (0 = never)")
                        .flag('t'),
                Option.of("harakiri-verbose", FLAG, "false", ACCEPTED_NO_EFFECT,
                        "harakiri always logs the request and every thread's Python stack"),
                Option.of("harakiri-graceful-timeout", ANY, null, NOT_YET_IMPLEMENTED,
                        "signal before harakiri kills"),
                Option.of("harakiri-graceful-signal", ANY, null, NOT_YET_IMPLEMENTED, "signal sent before killing"),
                Option.of("harakiri-queue-threshold", ANY, null, NOT_YET_IMPLEMENTED,
                        "harakiri only when the queue is this long"),
                Option.of("harakiri-no-arh", FLAG, "false", NOT_YET_IMPLEMENTED, "no harakiri after the response"),
                Option.of("master", FLAG, "true", ACCEPTED_NO_EFFECT, "the master process is always on").flag('M'),
                Option.of("enable-threads", FLAG, "true", ACCEPTED_NO_EFFECT, "Python threads are always enabled")
                        .flag('T'),
                Option.of("single-interpreter", FLAG, "true", ACCEPTED_NO_EFFECT,
                        "each process always has exactly one interpreter").flag('i'),
                Option.of("thunder-lock", FLAG, "false", ACCEPTED_NO_EFFECT,
                        "the master accepts and dispatches, so workers never contend on accept()"),
                Option.of("post-buffering", ANY, null, NOT_YET_IMPLEMENTED, "read the whole body before the app"),
                Option.of("post-buffering-bufsize", ANY, null, NOT_YET_IMPLEMENTED, "post-buffering chunk size"),
                Option.of("thread-stacksize", ANY, null, NOT_YET_IMPLEMENTED, "stack size of worker threads"),
                Option.of("max-fd", ANY, null, NOT_YET_IMPLEMENTED, "raise the open-files limit"),
                Option.of("add-header", ANY, null, NOT_YET_IMPLEMENTED, "add a response header").repeated(),
                Option.of("memory-report", FLAG, "false", NOT_YET_IMPLEMENTED, "sample memory after each request")
                        .flag('m'))
                .map(o -> o.in(area)).toList();
    }

    private static List<Option> recycling() {
        String area = "Worker recycling";
        return Stream.of(
                Option.of("max-requests", NUMBER, "0", IMPLEMENTED,
                        "recycle a worker after this many requests (0 = never)").flag('R'),
                Option.of("max-requests-delta", NUMBER, "0", IMPLEMENTED,
                        "worker N recycles after max-requests + (N-1) * delta requests"),
                Option.of("min-worker-lifetime", SECONDS, "10", IMPLEMENTED,
                        "seconds a worker lives before max-requests, lifetime or reload-on-rss may recycle it"),
                Option.of("max-worker-lifetime", SECONDS, "0", IMPLEMENTED,
                        "recycle a worker after this many seconds (0 = never)"),
                Option.of("max-worker-lifetime-delta", SECONDS, "0", IMPLEMENTED,
                        "worker N recycles after max-worker-lifetime + (N-1) * delta seconds"),
                Option.of("reload-on-rss", NUMBER, "0", IMPLEMENTED,
                        "recycle a worker gracefully above this resident memory, MB (0 = never)"),
                Option.of("evil-reload-on-rss", NUMBER, "0", IMPLEMENTED,
                        "kill a worker at once above this resident memory, MB (0 = never)"))
                .map(o -> o.in(area)).toList();
    }

    private static List<Option> lifecycle() {
        String area = "Lifecycle";
        return Stream.of(
                Option.of("die-on-term", FLAG, "true", IMPLEMENTED, "SIGTERM shuts down instead of reloading"),
                Option.of("vacuum", FLAG, "true", IMPLEMENTED, "remove Unix sockets and the pidfile at exit"),
                Option.of("worker-reload-mercy", SECONDS, "60", IMPLEMENTED,
                        "seconds a stopping worker may finish its requests"),
                Option.of("pidfile", PATH, null, IMPLEMENTED, "write the master's pid to this file"),
                Option.of("pidfile2", ANY, null, NOT_YET_IMPLEMENTED, "pidfile written after dropping privileges"),
                Option.of("reload-mercy", ANY, null, NOT_YET_IMPLEMENTED, "bound on waiting for attached daemons"),
                Option.of("mule-reload-mercy", ANY, null, NOT_YET_IMPLEMENTED, "worker-reload-mercy for mules"),
                Option.of("procname-prefix", TEXT, null, IMPLEMENTED, "prefix of process names"),
                Option.of("procname-prefix-spaced", TEXT, null, IMPLEMENTED, "prefix of process names, and a space"),
                Option.of("procname-append", TEXT, null, IMPLEMENTED, "suffix of process names"),
                Option.of("procname", TEXT, null, IMPLEMENTED, "base name of every process"),
                Option.of("procname-master", TEXT, null, IMPLEMENTED, "name of the master process"),
                Option.of("auto-procname", FLAG, "false", IMPLEMENTED,
                        "name processes regent master / zygote / worker N (Linux keeps 15 bytes)"),
                Option.of("daemonize", ANY, null, NOT_YET_IMPLEMENTED, "detach and log to a file").flag('d'),
                Option.of("uid", TEXT, null, IMPLEMENTED,
                        "user (name or number) the Python processes run as; the master stays as started"),
                Option.of("gid", TEXT, null, IMPLEMENTED, "group (name or number) the Python processes run as"),
                Option.of("chroot", PATH, null, IMPLEMENTED,
                        "directory the Python processes chroot into before importing the app (needs root; the"
                                + " standard library and the app must exist inside it)"),
                Option.of("drop-after-init", FLAG, "false", NOT_YET_IMPLEMENTED, "drop privileges after binding"),
                Option.of("drop-after-apps", FLAG, "false", NOT_YET_IMPLEMENTED,
                        "drop privileges after loading apps"),
                Option.of("master-as-root", FLAG, "false", NOT_YET_IMPLEMENTED, "keep the master root"),
                Option.of("umask", OCTAL, null, IMPLEMENTED, "umask of the Python processes"),
                Option.of("master-fifo", PATH, null, IMPLEMENTED,
                        "control FIFO of the master (one-letter commands, see docs/signals.md)").repeated(),
                Option.of("touch-reload", PATH, null, IMPLEMENTED, "graceful reload when this file changes")
                        .repeated(),
                Option.of("touch-chain-reload", PATH, null, IMPLEMENTED,
                        "chain reload (one worker at a time) when this file changes").repeated(),
                Option.of("touch-workers-reload", ANY, null, NOT_YET_IMPLEMENTED,
                        "reload workers when this file changes").repeated(),
                Option.of("touch-mules-reload", ANY, null, NOT_YET_IMPLEMENTED, "reload mules on change").repeated(),
                Option.of("touch-spoolers-reload", ANY, null, NOT_YET_IMPLEMENTED, "reload spoolers on change")
                        .repeated(),
                Option.of("touch-exec", ANY, null, NOT_YET_IMPLEMENTED, "run a command on change").repeated(),
                Option.of("touch-signal", ANY, null, NOT_YET_IMPLEMENTED, "raise a signal on change").repeated())
                .map(o -> o.in(area)).toList();
    }
}
