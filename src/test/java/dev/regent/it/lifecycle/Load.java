package dev.regent.it.lifecycle;

import dev.regent.testkit.HttpConnection;
import dev.regent.testkit.HttpResponse;

import java.time.Duration;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.BooleanSupplier;

/**
 * Continuous client load: {@code threads} loops, each sending {@code GET path} on a fresh
 * connection, recording every failure (a non-200 status or an I/O error) and every body seen.
 */
final class Load implements AutoCloseable {
    private final int port;
    private final String path;
    private final List<Thread> threads = new CopyOnWriteArrayList<>();
    private final List<String> failures = new CopyOnWriteArrayList<>();
    private final Set<String> bodies = ConcurrentHashMap.newKeySet();
    private final AtomicLong ok = new AtomicLong();
    private volatile boolean running = true;

    private Load(int port, String path) {
        this.port = port;
        this.path = path;
    }

    static Load start(int port, String path, int threads) {
        Load load = new Load(port, path);
        for (int i = 0; i < threads; i++) {
            Thread t = Thread.ofPlatform().daemon().name("load-" + i).start(load::loop);
            load.threads.add(t);
        }
        return load;
    }

    private void loop() {
        String request = "GET " + path + " HTTP/1.1\r\nHost: test\r\nConnection: close\r\n\r\n";
        while (running) {
            try {
                HttpResponse r = HttpConnection.exchange(port, request);
                if (r.status() == 200) {
                    ok.incrementAndGet();
                    bodies.add(r.bodyText());
                } else {
                    failures.add(System.currentTimeMillis() + " status " + r.status() + ": " + r.bodyText());
                }
            } catch (Exception e) {
                failures.add(System.currentTimeMillis() + " " + e);
            }
        }
    }

    long ok() {
        return ok.get();
    }

    List<String> failures() {
        return List.copyOf(failures);
    }

    Set<String> bodies() {
        return Set.copyOf(bodies);
    }

    /** Stops the loops and waits for their last requests. */
    @Override
    public void close() throws InterruptedException {
        running = false;
        for (Thread t : threads) {
            t.join(30_000);
        }
    }

    /** Polls {@code condition} every 50 ms until it holds; fails with {@code what} after {@code timeout}. */
    static void await(Duration timeout, String what, BooleanSupplier condition) throws InterruptedException {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() > deadline) {
                throw new AssertionError("timed out after " + timeout + " waiting for: " + what);
            }
            Thread.sleep(50);
        }
    }
}
