package dev.regent.it.cheaper;

import dev.regent.testkit.HttpConnection;
import dev.regent.testkit.HttpResponse;
import dev.regent.testkit.RegentProcess;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.BooleanSupplier;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** Counting a master's workers from /proc, recording the count over time, and client load. */
final class Fleet {
    private Fleet() {
    }

    /** Worker processes: children of the master's zygotes (the master's Python children). */
    static int workers(RegentProcess m) {
        return ProcessHandle.of(m.pid()).map(master -> (int) master.children()
                .flatMap(ProcessHandle::children).count()).orElse(0);
    }

    /** True when the worker count stays at {@code n} for the whole of {@code period}. */
    static boolean steadily(RegentProcess m, int n, Duration period) {
        long end = System.nanoTime() + period.toNanos();
        while (System.nanoTime() < end) {
            if (workers(m) != n) {
                return false;
            }
            try {
                Thread.sleep(50);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return false;
            }
        }
        return true;
    }

    /** Python processes directly under the master: the zygote(s). */
    static int zygotes(RegentProcess m) {
        return ProcessHandle.of(m.pid()).map(master -> (int) master.children().count()).orElse(0);
    }

    static void await(Duration timeout, String what, BooleanSupplier condition, RegentProcess m)
            throws InterruptedException {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() > deadline) {
                throw new AssertionError("timed out waiting for " + what + " (workers now " + workers(m) + ")");
            }
            Thread.sleep(100);
        }
    }

    /** The "serving N ms after it was asked for" delays the master logged. */
    static List<Long> spawnDelays(String log) {
        List<Long> out = new ArrayList<>();
        Matcher matcher = Pattern.compile("serving (\\d+) ms after it was asked for").matcher(log);
        while (matcher.find()) {
            out.add(Long.parseLong(matcher.group(1)));
        }
        return out;
    }

    /** Client threads sending {@code GET path} in a loop; every non-200 answer or error is a failure. */
    static final class Load implements AutoCloseable {
        private final List<Thread> threads = new ArrayList<>();
        final List<String> failures = new CopyOnWriteArrayList<>();
        final AtomicLong ok = new AtomicLong();
        private volatile boolean running = true;

        Load(int port, String path, int threads) {
            String request = "GET " + path + " HTTP/1.1\r\nHost: test\r\nConnection: close\r\n\r\n";
            for (int i = 0; i < threads; i++) {
                this.threads.add(Thread.ofPlatform().daemon().start(() -> {
                    while (running) {
                        try {
                            HttpResponse r = HttpConnection.exchange(port, request);
                            if (r.status() == 200) {
                                ok.incrementAndGet();
                            } else {
                                failures.add("status " + r.status() + ": " + r.bodyText());
                            }
                        } catch (Exception e) {
                            failures.add(e.toString());
                        }
                    }
                }));
            }
        }

        @Override
        public void close() throws InterruptedException {
            running = false;
            for (Thread t : threads) {
                t.join(Duration.ofSeconds(30));
            }
        }
    }

    /** Samples the worker count every 100 ms; {@link #trajectory} is the count each time it changed. */
    static final class Recorder implements AutoCloseable {
        private final List<Integer> counts = new CopyOnWriteArrayList<>();
        private final Thread thread;
        private volatile boolean running = true;

        private final RegentProcess master;

        Recorder(RegentProcess m) {
            this.master = m;
            // The first sample is taken before the constructor returns, so that it describes the
            // state before whatever load the test starts next (a sampling thread may start late).
            counts.add(workers(m));
            thread = Thread.ofPlatform().daemon().start(() -> {
                while (running) {
                    int n = workers(m);
                    if (counts.isEmpty() || counts.getLast() != n) {
                        counts.add(n);
                    }
                    try {
                        Thread.sleep(100);
                    } catch (InterruptedException e) {
                        return;
                    }
                }
            });
        }

        List<Integer> trajectory() {
            return List.copyOf(counts);
        }

        @Override
        public void close() throws InterruptedException {
            running = false;
            thread.join();
            // Likewise the last sample: the sampler may have slept through the final change.
            int n = workers(master);
            if (counts.getLast() != n) {
                counts.add(n);
            }
        }
    }
}
