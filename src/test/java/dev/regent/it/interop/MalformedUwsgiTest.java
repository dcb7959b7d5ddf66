package dev.regent.it.interop;

import dev.regent.testkit.RegentProcess;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.SocketException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * A few thousand malformed uwsgi packets from a seeded generator, sent to a real master while
 * well-formed requests flow on the same socket. The master must survive, never call the app
 * for a bad packet (the app counts its calls in $CALLS_FILE), close every bad connection
 * without a reply, answer every good request, and log one concise line per rejected client.
 */
class MalformedUwsgiTest {
    private static final long SEED = 0x5EED_0005L;
    private static final int BAD_PACKETS = 2400;
    private static final int BUFFER_SIZE = 4096;
    private static final long LIMIT_POST = 1 << 20;

    /** The kinds of bad input; the truncated ones end with a half-close, which the master logs differently. */
    enum Kind {
        TRUNCATED_HEADER(false), TRUNCATED_VARS(false), BLOCK_TOO_LARGE(true), KEY_OVERRUN(true),
        VALUE_OVERRUN(true), ZERO_LENGTH_KEY(true), HUGE_CONTENT_LENGTH(true), BAD_MODIFIER(true),
        GARBAGE(true);

        final boolean rejected;

        Kind(boolean rejected) {
            this.rejected = rejected;
        }
    }

    record Bad(Kind kind, byte[] bytes) {
    }

    /** Served by the workers directly (the default) and relayed by the master: the same rules. */
    @ParameterizedTest(name = "uwsgi-direct={0}")
    @ValueSource(booleans = {true, false})
    void malformedPacketsNeverReachTheAppNorDisturbGoodTraffic(boolean direct) throws Exception {
        Path calls = Files.createTempFile("regent-calls-", ".count");
        int port = FrontProcess.freePort();
        try (Backend backend = Backend.start("127.0.0.1:" + port, RegentProcess.builder()
                .env("CALLS_FILE", calls.toString()).app("basic.py")
                .args("--processes", "2", "--threads", "2", "--disable-logging", "--uwsgi-direct=" + direct,
                        "--buffer-size", Integer.toString(BUFFER_SIZE), "--limit-post", Long.toString(LIMIT_POST)))) {
            backend.awaitReady();
            int startupLines = backend.log().split("\n").length;
            List<Bad> bad = generate(new Random(SEED));
            AtomicBoolean badDone = new AtomicBoolean();
            AtomicInteger good = new AtomicInteger();
            ExecutorService pool = Executors.newFixedThreadPool(6);
            try {
                List<Future<?>> goodTraffic = new ArrayList<>();
                for (int t = 0; t < 2; t++) {
                    goodTraffic.add(pool.submit(() -> {
                        while (!badDone.get()) {
                            assertGoodRequestServed(port);
                            good.incrementAndGet();
                        }
                        return null;
                    }));
                }
                List<Future<?>> senders = new ArrayList<>();
                for (int t = 0; t < 4; t++) {
                    int first = t;
                    senders.add(pool.submit(() -> {
                        for (int i = first; i < bad.size(); i += 4) {
                            sendBadAndExpectClose(port, bad.get(i), i);
                        }
                        return null;
                    }));
                }
                for (Future<?> f : senders) {
                    f.get();
                }
                badDone.set(true);
                for (Future<?> f : goodTraffic) {
                    f.get();
                }
            } finally {
                pool.shutdownNow();
            }
            assertThat(backend.process().isAlive()).as("master alive").isTrue();
            assertGoodRequestServed(port);
            int goodTotal = good.get() + 1;
            assertThat(good.get()).as("good requests during the barrage").isGreaterThan(10);
            assertThat(Files.size(calls)).as("app calls (only good requests)").isEqualTo(goodTotal);

            long rejected = bad.stream().filter(b -> b.kind().rejected).count();
            String log = awaitLines(backend, bad.size());
            List<String> lines = List.of(log.split("\n"));
            List<String> badLines = lines.stream().filter(l -> l.contains(" bad request: ")).toList();
            assertThat(badLines).as("one line per rejected client").hasSize((int) rejected);
            assertThat(badLines).allSatisfy(l -> assertThat(l.length()).isLessThan(200));
            // Reported once by whoever decodes the packets: the master, or each worker process.
            assertThat(lines.stream().filter(l -> l.contains("ignored uWSGI magic variables")).count())
                    .as("magic variables are reported once per decoding process").isBetween(1L, direct ? 2L : 1L);
            // Nothing else is logged per bad client: a flood would show here.
            long truncated = bad.size() - rejected;
            // A client that sent exactly the 4-byte header and stopped is closed without a line:
            // the decoder has consumed the header, and the connection only logs a cut-short head
            // while unparsed bytes remain. Everything else that stopped mid-packet gets one line.
            long headerOnly = bad.stream().filter(b -> b.kind() == Kind.TRUNCATED_VARS && b.bytes().length == 4).count();
            long cutShort = lines.stream().filter(l -> l.contains(" closed its side in the middle of a request head"))
                    .count();
            assertThat(cutShort).as("one line per client that stopped mid-packet")
                    .isBetween(truncated - headerOnly, truncated);
            List<String> others = lines.subList(startupLines, lines.size()).stream()
                    .filter(l -> !l.contains(" bad request: ") && !l.contains(" closed its side in the middle"))
                    .toList();
            assertThat(others).as("other log lines after startup").hasSizeLessThanOrEqualTo(10);
        }
    }

    /** The log once it holds {@code expected} per-client lines (its writer thread may lag the sockets). */
    private static String awaitLines(Backend backend, int expected) throws InterruptedException {
        long deadline = System.nanoTime() + 5_000_000_000L;
        String log = backend.log();
        while (perClientLines(log) < expected && System.nanoTime() < deadline) {
            Thread.sleep(50);
            log = backend.log();
        }
        return log;
    }

    private static long perClientLines(String log) {
        return log.lines().filter(l -> l.contains(" bad request: ") || l.contains(" closed its side in the middle"))
                .count();
    }

    private static List<Bad> generate(Random rnd) {
        List<Bad> out = new ArrayList<>();
        Kind[] kinds = Kind.values();
        for (int i = 0; i < BAD_PACKETS; i++) {
            Kind kind = kinds[rnd.nextInt(kinds.length)];
            out.add(new Bad(kind, packet(kind, rnd)));
        }
        return out;
    }

    private static byte[] packet(Kind kind, Random rnd) {
        byte[] vars = vars(List.of("REQUEST_METHOD", "GET", "PATH_INFO", "/evil", "SERVER_PROTOCOL", "HTTP/1.1"));
        return switch (kind) {
            case TRUNCATED_HEADER -> slice(header(0, vars.length), 1 + rnd.nextInt(3));
            case TRUNCATED_VARS -> slice(concat(header(0, vars.length), vars), 4 + rnd.nextInt(vars.length));
            case BLOCK_TOO_LARGE -> concat(header(0, BUFFER_SIZE + 1 + rnd.nextInt(65535 - BUFFER_SIZE)), vars);
            case KEY_OVERRUN -> withVars(concat(vars, le16(vars.length + 1 + rnd.nextInt(1000))));
            case VALUE_OVERRUN -> withVars(concat(vars, le16(3), ascii("KEY"), le16(200 + rnd.nextInt(1000))));
            case ZERO_LENGTH_KEY -> withVars(concat(vars, le16(0), le16(1), ascii("x")));
            case HUGE_CONTENT_LENGTH -> withVars(concat(vars, vars(List.of("CONTENT_LENGTH",
                    Long.toString(LIMIT_POST + 1 + (rnd.nextLong() & Long.MAX_VALUE) % 1_000_000_000_000L)))));
            case BAD_MODIFIER -> concat(header(pick(rnd, 1, 29, 31, 255), vars.length), vars);
            case GARBAGE -> garbage(rnd);
        };
    }

    /** Random bytes whose first byte is not a WSGI modifier (0 or 30), so the header alone decides. */
    private static byte[] garbage(Random rnd) {
        byte[] g = new byte[1 + rnd.nextInt(512)];
        rnd.nextBytes(g);
        if (g[0] == 0 || g[0] == 30) {
            g[0] = 'G';
        }
        if (g.length < 4) {
            g = concat(g, new byte[4 - g.length]);
        }
        return g;
    }

    private static void sendBadAndExpectClose(int port, Bad bad, int index) throws IOException {
        try (Socket s = new Socket()) {
            s.connect(new InetSocketAddress("127.0.0.1", port), 5000);
            s.setSoTimeout(5000);
            try {
                s.getOutputStream().write(bad.bytes());
                s.shutdownOutput();
            } catch (SocketException closedFirst) {
                return;  // the master already rejected and closed: fine
            }
            byte[] reply = readAll(s.getInputStream());
            assertThat(reply).as("reply to bad packet #" + index + " (" + bad.kind() + ")").isEmpty();
        }
    }

    private static byte[] readAll(InputStream in) throws IOException {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        try {
            in.transferTo(out);
        } catch (SocketException reset) {
            // A reset is a close too.
        }
        return out.toByteArray();
    }

    /** A well-formed request, with one code-loading variable the master must drop (and report once). */
    private static void assertGoodRequestServed(int port) throws IOException {
        byte[] vars = vars(List.of("REQUEST_METHOD", "GET", "PATH_INFO", "/method", "SERVER_PROTOCOL", "HTTP/1.1",
                "UWSGI_FILE", "/tmp/not-loaded.py"));
        try (Socket s = new Socket()) {
            s.connect(new InetSocketAddress("127.0.0.1", port), 5000);
            s.setSoTimeout(10_000);
            s.getOutputStream().write(concat(header(0, vars.length), vars));
            String reply = new String(readAll(s.getInputStream()), StandardCharsets.ISO_8859_1);
            assertThat(reply).startsWith("HTTP/1.1 200 ").endsWith("\r\n\r\nGET");
        }
    }

    private static byte[] withVars(byte[] vars) {
        return concat(header(0, vars.length), vars);
    }

    private static byte[] header(int modifier1, int datasize) {
        return new byte[] {(byte) modifier1, (byte) datasize, (byte) (datasize >>> 8), 0};
    }

    private static byte[] vars(List<String> kv) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        for (String s : kv) {
            byte[] b = ascii(s);
            out.writeBytes(le16(b.length));
            out.writeBytes(b);
        }
        return out.toByteArray();
    }

    private static byte[] le16(int n) {
        return new byte[] {(byte) n, (byte) (n >>> 8)};
    }

    private static byte[] ascii(String s) {
        return s.getBytes(StandardCharsets.US_ASCII);
    }

    private static byte[] slice(byte[] b, int n) {
        return java.util.Arrays.copyOf(b, Math.min(n, b.length - 1));
    }

    private static int pick(Random rnd, int... values) {
        return values[rnd.nextInt(values.length)];
    }

    private static byte[] concat(byte[]... parts) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        for (byte[] p : parts) {
            out.writeBytes(p);
        }
        return out.toByteArray();
    }
}
