package dev.regent.it.interop;

import dev.regent.testkit.RegentProcess;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.channels.SocketChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;

/**
 * A Regent master serving the uwsgi protocol on one socket (a Unix path or {@code 127.0.0.1:port})
 * behind a front end. The testkit adds an HTTP socket on port 0 too, so every backend also runs
 * two sockets of mixed protocols. {@link #close} stops it with SIGTERM and checks that it exits
 * with status 0 and leaves no process behind.
 */
final class Backend implements AutoCloseable {
    private static final Duration READY_TIMEOUT = Duration.ofSeconds(20);

    private final RegentProcess process;
    private final String socket;

    private Backend(RegentProcess process, String socket) {
        this.process = process;
        this.socket = socket;
    }

    /** Starts a master without waiting; call {@link #awaitReady} (several can boot in parallel). */
    static Backend start(String socket, RegentProcess.Builder builder) throws IOException, InterruptedException {
        return new Backend(builder.args("-s", socket).noWait().start(), socket);
    }

    /** Waits until the uwsgi socket accepts and the first worker is up. */
    Backend awaitReady() throws InterruptedException {
        long deadline = System.nanoTime() + READY_TIMEOUT.toNanos();
        while (System.nanoTime() < deadline) {
            if (!process.isAlive()) {
                throw new AssertionError("Regent on " + socket + " exited at startup:\n" + process.log());
            }
            if (process.log().contains("spawned worker") && connectable()) {
                return this;
            }
            Thread.sleep(25);
        }
        throw new AssertionError("Regent on " + socket + " not ready within " + READY_TIMEOUT + ":\n" + process.log());
    }

    private boolean connectable() {
        if (socket.startsWith("@")) {
            return true;  // abstract: the JDK cannot address it; the "spawned worker" line suffices
        }
        try {
            if (socket.startsWith("/")) {
                try (SocketChannel ch = SocketChannel.open(StandardProtocolFamily.UNIX)) {
                    ch.connect(UnixDomainSocketAddress.of(socket));
                }
            } else {
                int colon = socket.lastIndexOf(':');
                try (Socket s = new Socket()) {
                    s.connect(new InetSocketAddress(socket.substring(0, colon),
                            Integer.parseInt(socket.substring(colon + 1))), 200);
                }
            }
            return true;
        } catch (IOException e) {
            return false;
        }
    }

    RegentProcess process() {
        return process;
    }

    String socket() {
        return socket;
    }

    String log() {
        return process.log();
    }

    /** Open file descriptors of the master (the JVM), for leak checks. */
    int openFds() throws IOException {
        try (Stream<Path> fds = Files.list(Path.of("/proc", Long.toString(process.pid()), "fd"))) {
            return (int) fds.count();
        }
    }

    /**
     * Waits up to {@code timeout} for the master's descriptor count to come back to {@code baseline}
     * or below; returns the last count seen.
     */
    int awaitFdsAtMost(int baseline, Duration timeout) throws IOException, InterruptedException {
        long deadline = System.nanoTime() + timeout.toNanos();
        int n = openFds();
        while (n > baseline && System.nanoTime() < deadline) {
            Thread.sleep(50);
            n = openFds();
        }
        return n;
    }

    /** SIGTERM; the master must exit with 0 and leave no worker or zygote behind. */
    @Override
    public void close() throws Exception {
        List<String> problems = new ArrayList<>();
        if (process.isAlive()) {
            int status = process.stop("TERM", Duration.ofSeconds(20));
            if (status != 0) {
                problems.add("Regent on " + socket + " exited with status " + status + " after SIGTERM");
            }
        }
        List<String> left = process.tree().awaitGone(5000);
        if (!left.isEmpty()) {
            problems.add("processes left by Regent on " + socket + ":\n  " + String.join("\n  ", left));
            process.destroyAll();
        }
        process.close();
        if (!problems.isEmpty()) {
            throw new AssertionError(String.join("\n", problems) + "\n" + process.log());
        }
    }

    /** Closes every backend, collecting the failures into one. */
    static void closeAll(List<Backend> backends) throws Exception {
        AssertionError failure = null;
        for (Backend b : backends) {
            try {
                b.close();
            } catch (AssertionError e) {
                if (failure == null) {
                    failure = e;
                } else {
                    failure.addSuppressed(e);
                }
            }
        }
        if (failure != null) {
            throw failure;
        }
    }
}
