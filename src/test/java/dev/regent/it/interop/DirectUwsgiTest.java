package dev.regent.it.interop;

import dev.regent.testkit.RegentProcess;
import dev.regent.testkit.SocketReads;
import dev.regent.testkit.RegentProcesses;
import org.assertj.core.api.SoftAssertions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.net.SocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.SelectionKey;
import java.nio.channels.Selector;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.BooleanSupplier;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Direct uwsgi: on uwsgi sockets the worker slots accept the connections themselves, while the
 * master keeps the sockets, times harakiri, recycles at max-requests, writes the request log and
 * stops gracefully. Each test runs a real master with Python workers on a temporary Unix socket
 * (and a TCP uwsgi socket where the address matters), talks uwsgi to it like nginx does, and
 * checks what the client sees plus the master's log. The app (apps/direct_app.py) answers
 * /via with "direct" or "relayed" from its own call stack, so the worker itself says who
 * accepted the connection.
 */
@Timeout(value = 50, unit = TimeUnit.SECONDS)
class DirectUwsgiTest {
    private static final Duration WAIT = Duration.ofSeconds(20);
    private static final Duration REPLY = Duration.ofSeconds(15);

    @RegisterExtension
    final RegentProcesses masters = new RegentProcesses().stoppedAtTeardown();

    // -- 1. the workers answer, the master logs ----------------------------------------------

    @Test
    void workersAnswerUwsgiConnectionsThemselvesOnUnixAndTcpSocketsAndTheMasterLogsEachRequest() throws Exception {
        String unix = unixSocket();
        String tcp = "127.0.0.1:" + FrontProcess.freePort();
        RegentProcess m = start(List.of(unix, tcp), "--processes", "2");
        awaitDirect(m, unix);
        awaitDirect(m, tcp);
        await("two workers spawned", () -> workerPids(m).size() == 2);
        Set<Long> workers = workerPids(m);
        assertThat(workers).doesNotContain(m.pid());

        Set<Long> answering = new HashSet<>();
        for (int i = 0; i < 20; i++) {
            for (String socket : List.of(unix, tcp)) {
                Reply r = get(socket, "/via");
                assertThat(r.status()).as("status on %s", socket).isEqualTo(200);
                String[] via = r.body().split(" ");
                assertThat(via[0]).as("who accepted the connection on %s", socket).isEqualTo("direct");
                answering.add(Long.parseLong(via[1]));
            }
        }
        assertThat(workers).containsAll(answering);

        // The request log line (default format) for a request the master never saw.
        Reply tagged = exchange(unix, UwsgiClient.packet(List.of("REQUEST_METHOD", "GET",
                "REQUEST_URI", "/via?tag=unix-1", "PATH_INFO", "/via", "QUERY_STRING", "tag=unix-1",
                "SERVER_PROTOCOL", "HTTP/1.1", "HTTP_HOST", "uwsgi.test", "REMOTE_ADDR", "10.9.8.7")), REPLY);
        assertThat(tagged.status()).isEqualTo(200);
        String bodySize = Integer.toString(tagged.body().getBytes(StandardCharsets.ISO_8859_1).length);
        String line = awaitLine(m, "GET /via?tag=unix-1 ");
        assertThat(line).matches(".*\\[pid: " + m.pid() + "\\|worker: [12]\\|req: \\d+] 10\\.9\\.8\\.7 \\[.+] GET "
                + "/via\\?tag=unix-1 => generated " + bodySize + " bytes in \\d+ msecs \\(HTTP/1\\.1 200\\)");

        Reply missing = exchange(tcp, UwsgiClient.packet(List.of("REQUEST_METHOD", "POST",
                "REQUEST_URI", "/nowhere-tcp", "PATH_INFO", "/nowhere-tcp", "SERVER_PROTOCOL", "HTTP/1.0",
                "CONTENT_LENGTH", "0")), REPLY);
        assertThat(missing.head()).startsWith("HTTP/1.0 404 ");
        // Without REMOTE_ADDR in the packet; which address the line names: aPacketWithoutAddresses...
        assertThat(awaitLine(m, "POST /nowhere-tcp ")).matches(
                ".*\\|worker: [12]\\|req: \\d+] \\S* \\[.+] POST /nowhere-tcp => generated \\d+ bytes in \\d+ msecs"
                        + " \\(HTTP/1\\.0 404\\)");
    }

    @Test
    void withDisableLoggingOnlyErrorResponsesOfDirectRequestsAreLogged() throws Exception {
        // log-4xx and log-5xx default to on (AppOptions), so a 404 is logged even with -L.
        String unix = unixSocket();
        RegentProcess m = start(List.of(unix), "--processes", "1", "--disable-logging");
        awaitDirect(m, unix);
        assertThat(get(unix, "/pid?quiet").status()).isEqualTo(200);
        Reply missing = exchange(unix, UwsgiClient.packet(List.of("REQUEST_METHOD", "GET",
                "REQUEST_URI", "/absent-page", "PATH_INFO", "/absent-page", "SERVER_PROTOCOL", "HTTP/1.1")), REPLY);
        assertThat(missing.status()).isEqualTo(404);
        assertThat(awaitLine(m, "GET /absent-page ")).contains("(HTTP/1.1 404)");
        assertThat(m.log()).doesNotContain("GET /via ", "GET /pid");
    }

    /**
     * The stats server counts what the workers answered directly (docs/concurrency.md: "harakiri,
     * max-requests and the stats read the scoreboard once a second"), as uWSGI's stats count every
     * request.
     */
    @Test
    void theStatsServerCountsRequestsAnsweredDirectly() throws Exception {
        String unix = unixSocket();
        Path stats = Files.createTempDirectory("regent-direct-stats-").resolve("stats.sock");
        RegentProcess m = start(List.of(unix), "--processes", "2", "--stats", stats.toString());
        awaitDirect(m, unix);
        int sent = 1;  // awaitDirect's answer
        for (int i = 0; i < 30; i++) {
            assertThat(get(unix, "/via").body()).startsWith("direct ");
            sent++;
        }
        long[] total = new long[1];
        String[] doc = new String[1];
        long deadline = System.nanoTime() + Duration.ofSeconds(5).toNanos();
        while (System.nanoTime() < deadline) {
            doc[0] = SocketReads.stats(stats);
            total[0] = workerRequests(doc[0]);
            if (total[0] >= sent) {
                break;
            }
            Thread.sleep(200);
        }
        assertThat(total[0]).as("sum of workers[].requests in the stats after %d direct requests: %s", sent, doc[0])
                .isGreaterThanOrEqualTo(sent);

        // A worker answering a direct request is "busy" in the stats (the scoreboard's started).
        java.util.concurrent.CompletableFuture<String> slow = java.util.concurrent.CompletableFuture.supplyAsync(() -> {
            try {
                return get(unix, "/sleep?s=2").body();
            } catch (Exception e) {
                throw new IllegalStateException(e);
            }
        });
        Pattern busy = Pattern.compile("\"status\"\\s*:\\s*\"busy\"");
        boolean sawBusy = false;
        deadline = System.nanoTime() + Duration.ofSeconds(2).toNanos();
        while (!sawBusy && System.nanoTime() < deadline) {
            doc[0] = SocketReads.stats(stats);
            sawBusy = busy.matcher(doc[0]).find();
            Thread.sleep(50);
        }
        assertThat(sawBusy).as("a busy worker in the stats during a direct request: %s", doc[0]).isTrue();
        assertThat(slow.get(10, java.util.concurrent.TimeUnit.SECONDS)).isEqualTo("slept");
    }

    /** The sum of the "requests" field of the worker objects of a stats document. */
    private static long workerRequests(String json) {
        Matcher w = Pattern.compile("\\{\\s*\"id\"\\s*:\\s*\\d+\\s*,\\s*\"pid\"\\s*:\\s*\\d+\\s*,\\s*\"accepting\"\\s*:"
                + "\\s*\\d+\\s*,\\s*\"requests\"\\s*:\\s*(\\d+)").matcher(json);
        long sum = 0;
        while (w.find()) {
            sum += Long.parseLong(w.group(1));
        }
        return sum;
    }

    // -- 2. harakiri ---------------------------------------------------------------------------

    @Test
    void harakiriKillsAWorkerStuckInADirectRequestAndANewWorkerServes() throws Exception {
        String unix = unixSocket();
        RegentProcess m = start(List.of(unix), "--processes", "1", "--harakiri", "2");
        long before = awaitDirect(m, unix);
        CompletableFuture<Reply> stuck = CompletableFuture.supplyAsync(() -> {
            try {
                return exchange(unix, getPacket("/stuck"), Duration.ofSeconds(20));
            } catch (IOException e) {
                return new Reply(-1, "io error: " + e, "");
            }
        });
        Pattern harakiri = Pattern.compile("HARAKIRI ON WORKER 1 \\(pid (\\d+)\\) \\*\\*\\* app \\S+direct_app\\.py: "
                + "a uwsgi request it answers directly has run for (\\d+) ms \\(harakiri 2 s\\)");
        await("the harakiri line", () -> harakiri.matcher(m.log()).find());
        Matcher h = harakiri.matcher(m.log());
        assertThat(h.find()).isTrue();
        assertThat(Long.parseLong(h.group(1))).isEqualTo(before);
        assertThat(Long.parseLong(h.group(2))).isGreaterThanOrEqualTo(2000);

        Reply cut = stuck.get(25, TimeUnit.SECONDS);
        // 0: the connection closed (or was reset) without a byte of answer; -1 would be an I/O
        // error such as the client's own timeout.
        assertThat(cut.status()).as("the stuck request's client sees its connection closed, no answer: %s",
                cut.raw()).isZero();
        assertThat(cut.raw()).isEmpty();
        long after = awaitDirectFrom(m, unix, before);
        assertThat(after).isNotEqualTo(before);
        assertThat(m.isAlive()).isTrue();
        assertThat(get(unix, "/pid").status()).isEqualTo(200);
        await("the stack dump", () -> m.log().contains("stuck_in_a_loop_forever"));
    }

    // -- 3. max-requests -----------------------------------------------------------------------

    @Test
    void maxRequestsRecyclesAWorkerThatAnswersDirectlyWithNoFailedRequest() throws Exception {
        String unix = unixSocket();
        RegentProcess m = start(List.of(unix), "--processes", "1", "--max-requests", "5",
                "--min-worker-lifetime", "0");
        long first = awaitDirect(m, unix);
        List<String> failures = new ArrayList<>();
        Set<Long> pids = new HashSet<>();
        long deadline = System.nanoTime() + WAIT.toNanos();
        int sent = 0;
        // Keep asking: the sweep reads the scoreboard once a second, so the old worker may answer a
        // few more requests than 5 before its replacement takes over.
        while (System.nanoTime() < deadline && (sent < 8 || !pidsBeyond(pids, first))) {
            Reply r = get(unix, "/via");
            sent++;
            if (r.status() != 200) {
                failures.add(r.raw());
            } else {
                pids.add(Long.parseLong(r.body().split(" ")[1]));
            }
            Thread.sleep(sent < 8 ? 0 : 100);
        }
        assertThat(failures).isEmpty();
        assertThat(pids).as("worker pids over %d requests", sent).contains(first).hasSizeGreaterThanOrEqualTo(2);
        assertThat(m.log()).containsPattern("worker 1 \\(pid " + first + "\\) is recycled: max-requests \\(\\d+ requests\\)");
    }

    // -- 4. graceful stop ----------------------------------------------------------------------

    @Test
    void sigtermLetsASlowDirectRequestFinishThenExitsZeroAndLeavesNoProcess() throws Exception {
        String unix = unixSocket();
        RegentProcess m = start(List.of(unix), "--processes", "2");
        awaitDirect(m, unix);
        CompletableFuture<Reply> slow = CompletableFuture.supplyAsync(() -> {
            try {
                return exchange(unix, getPacket("/sleep?s=2"), REPLY);
            } catch (IOException e) {
                return new Reply(-1, "io error: " + e, "");
            }
        });
        Thread.sleep(600);  // in the app by now
        m.signal("TERM");
        Reply r = slow.get(20, TimeUnit.SECONDS);
        assertThat(r.status()).as("the slow request: %s", r.raw()).isEqualTo(200);
        assertThat(r.body()).isEqualTo("slept");
        assertThat(m.awaitExit(Duration.ofSeconds(20))).isZero();
        assertThat(m.tree().awaitGone(5000)).isEmpty();
        assertThat(m.log()).containsPattern("GET /sleep\\?s=2 => generated 5 bytes in \\d+ msecs \\(HTTP/1\\.1 200\\)");
    }

    // -- 5. direct off -------------------------------------------------------------------------

    /** What nginx sends with uwsgi_params (plus a proxy header), so that no default is needed. */
    private static final List<String> NGINX_VARS = List.of("QUERY_STRING", "a=1&b=%20x", "REQUEST_METHOD", "GET",
            "CONTENT_TYPE", "", "CONTENT_LENGTH", "", "REQUEST_URI", "/environ?a=1&b=%20x", "PATH_INFO", "/environ",
            "DOCUMENT_ROOT", "/srv/www", "SERVER_PROTOCOL", "HTTP/1.1", "REQUEST_SCHEME", "https", "HTTPS", "on",
            "REMOTE_ADDR", "192.0.2.10", "REMOTE_PORT", "51234", "SERVER_PORT", "443", "SERVER_NAME", "example.org",
            "HTTP_HOST", "example.org", "HTTP_USER_AGENT", "curl/8.0", "HTTP_ACCEPT", "*/*",
            "HTTP_X_FORWARDED_FOR", "198.51.100.1, 192.0.2.10");

    /** A packet that leaves SERVER_NAME, SERVER_PORT, REMOTE_ADDR and the rest to the server's defaults. */
    private static final List<String> BARE_VARS = List.of("REQUEST_METHOD", "GET", "PATH_INFO", "/environ");

    /** One master serving directly and one relaying, each on a Unix socket and a TCP uwsgi socket. */
    private record Pair(RegentProcess direct, String directUnix, String directTcp, int directPort,
                        RegentProcess relay, String relayUnix, String relayTcp, int relayPort) {
    }

    private Pair startPair() throws Exception {
        String directUnix = unixSocket();
        String relayUnix = unixSocket();
        int directPort = FrontProcess.freePort();
        int relayPort = FrontProcess.freePort();
        RegentProcess direct = start(List.of(directUnix, "127.0.0.1:" + directPort), "--processes", "1");
        // A flag takes its value attached ("--uwsgi-direct false" is refused as a stray argument).
        RegentProcess relay = start(List.of(relayUnix, "127.0.0.1:" + relayPort), "--processes", "1",
                "--uwsgi-direct=false");
        Pair p = new Pair(direct, directUnix, "127.0.0.1:" + directPort, directPort,
                relay, relayUnix, "127.0.0.1:" + relayPort, relayPort);
        awaitDirect(direct, p.directUnix());
        awaitDirect(direct, p.directTcp());
        awaitVia(relay, p.relayUnix(), "relayed");
        awaitVia(relay, p.relayTcp(), "relayed");
        return p;
    }

    @Test
    void withUwsgiDirectFalseTheMasterRelaysAndTheAppSeesTheSameEnviron() throws Exception {
        Pair p = startPair();
        // The ini spelling turns it off too.
        Path ini = Files.createTempDirectory("regent-direct-ini-").resolve("relay.ini");
        Files.writeString(ini, "[uwsgi]\nuwsgi-direct = false\nprocesses = 1\n");
        String iniUnix = unixSocket();
        RegentProcess relayByIni = start(List.of(iniUnix), "--ini", ini.toString());
        awaitVia(relayByIni, iniUnix, "relayed");
        for (int i = 0; i < 5; i++) {
            assertThat(get(p.relayUnix(), "/via").body()).startsWith("relayed ");
            assertThat(get(p.relayTcp(), "/via").body()).startsWith("relayed ");
            assertThat(get(iniUnix, "/via").body()).startsWith("relayed ");
            assertThat(get(p.directUnix(), "/via").body()).startsWith("direct ");
        }

        Map<String, String> seen = new LinkedHashMap<>();
        for (String kind : List.of("nginx", "bare")) {
            for (boolean tcp : new boolean[] {false, true}) {
                if (kind.equals("bare") && tcp) {
                    continue;  // the address defaults: aPacketWithoutAddressesGetsTheSameDefaultsDirectOrRelayed
                }
                byte[] packet = UwsgiClient.packet(kind.equals("nginx") ? NGINX_VARS : BARE_VARS);
                Reply viaDirect = exchange(tcp ? p.directTcp() : p.directUnix(), packet, REPLY);
                Reply viaRelay = exchange(tcp ? p.relayTcp() : p.relayUnix(), packet, REPLY);
                assertThat(viaDirect.status()).isEqualTo(200);
                assertThat(viaRelay.status()).isEqualTo(200);
                String where = kind + " packet on " + (tcp ? "TCP" : "Unix");
                assertThat(viaDirect.body()).as("environ of a direct request, %s", where).isEqualTo(viaRelay.body());
                assertThat(viaDirect.head()).as("response head, %s", where).isEqualTo(viaRelay.head());
                seen.put(where, viaDirect.body());
            }
        }
        assertThat(seen.get("nginx packet on Unix")).contains("\"wsgi.url_scheme\": \"https\"",
                "\"REMOTE_ADDR\": \"192.0.2.10\"", "\"QUERY_STRING\": \"a=1&b=%20x\"", "\"SERVER_NAME\": \"example.org\"");
        assertThat(seen.get("bare packet on Unix")).contains("\"SERVER_NAME\": \"localhost\"",
                "\"SERVER_PORT\": \"0\"", "\"QUERY_STRING\": \"\"", "\"SCRIPT_NAME\": \"\"", "\"REMOTE_ADDR\": \"\"");

        // A body arrives intact both ways.
        String form = "name=value&x=" + "y".repeat(3000);
        assertThat(exchange(p.directUnix(), postPacket("/echo", form), REPLY).body()).isEqualTo(form);
        assertThat(exchange(p.relayUnix(), postPacket("/echo", form), REPLY).body()).isEqualTo(form);
    }

    /**
     * A proxy that sends no SERVER_NAME, SERVER_PORT or REMOTE_ADDR over TCP: the server fills them
     * in from the connection, and a relaying master gives "127.0.0.1" for a 127.0.0.1 socket. A
     * direct worker must give the app (and the request log) the same values.
     */
    @Test
    void aPacketWithoutAddressesGetsTheSameDefaultsDirectOrRelayed() throws Exception {
        Pair p = startPair();
        byte[] packet = UwsgiClient.packet(List.of("REQUEST_METHOD", "GET", "PATH_INFO", "/environ",
                "REQUEST_URI", "/environ?bare-tcp", "SERVER_PROTOCOL", "HTTP/1.1"));
        Reply viaDirect = exchange(p.directTcp(), packet, REPLY);
        Reply viaRelay = exchange(p.relayTcp(), packet, REPLY);
        assertThat(viaDirect.status()).isEqualTo(200);
        assertThat(viaRelay.status()).isEqualTo(200);
        // SERVER_PORT defaults to the local port, which differs between the two masters.
        assertThat(viaDirect.body()).contains("\"SERVER_PORT\": \"" + p.directPort() + "\"");
        assertThat(viaRelay.body()).contains("\"SERVER_PORT\": \"" + p.relayPort() + "\"",
                "\"SERVER_NAME\": \"127.0.0.1\"", "\"REMOTE_ADDR\": \"127.0.0.1\"");
        String directLine = awaitLine(p.direct(), "GET /environ?bare-tcp ");
        String relayLine = awaitLine(p.relay(), "GET /environ?bare-tcp ");
        byte[] unixPacket = UwsgiClient.packet(List.of("REQUEST_METHOD", "GET", "PATH_INFO", "/environ",
                "REQUEST_URI", "/environ?bare-unix", "SERVER_PROTOCOL", "HTTP/1.1"));
        assertThat(exchange(p.directUnix(), unixPacket, REPLY).status()).isEqualTo(200);
        assertThat(exchange(p.relayUnix(), unixPacket, REPLY).status()).isEqualTo(200);
        String directUnixLine = awaitLine(p.direct(), "GET /environ?bare-unix ");
        String relayUnixLine = awaitLine(p.relay(), "GET /environ?bare-unix ");

        SoftAssertions soft = new SoftAssertions();
        soft.assertThat(viaDirect.body().replace("\"" + p.directPort() + "\"", "\"PORT\""))
                .as("environ of a direct request without addresses, on TCP")
                .isEqualTo(viaRelay.body().replace("\"" + p.relayPort() + "\"", "\"PORT\""));
        soft.assertThat(logAddress(directLine)).as("client address in the direct request's log line: %s", directLine)
                .isEqualTo(logAddress(relayLine));
        soft.assertThat(logAddress(directUnixLine))
                .as("client address in the log line of a direct request on a Unix socket: %s", directUnixLine)
                .isEqualTo(logAddress(relayUnixLine));
        soft.assertAll();
    }

    /** The address field of a default-format request-log line ("[pid: ...] ADDRESS [date] ..."). */
    private static String logAddress(String line) {
        Matcher m = Pattern.compile("\\|req: \\d+] (\\S*) \\[").matcher(line);
        return m.find() ? m.group(1) : "(no address in: " + line + ")";
    }

    // -- 6. reload under load ------------------------------------------------------------------

    @Test
    void reloadUnderContinuousUwsgiLoadFailsNoRequest() throws Exception {
        String unix = unixSocket();
        RegentProcess m = start(List.of(unix), "--processes", "2");
        awaitDirect(m, unix);
        List<String> failures = new CopyOnWriteArrayList<>();
        Set<String> answers = java.util.concurrent.ConcurrentHashMap.newKeySet();
        AtomicLong ok = new AtomicLong();
        AtomicBoolean running = new AtomicBoolean(true);
        List<Thread> threads = new ArrayList<>();
        for (int i = 0; i < 4; i++) {
            threads.add(Thread.ofPlatform().daemon().name("uwsgi-load-" + i).start(() -> {
                while (running.get()) {
                    try {
                        Reply r = get(unix, "/via");
                        if (r.status() == 200) {
                            ok.incrementAndGet();
                            answers.add(r.body());
                        } else {
                            failures.add(System.currentTimeMillis() + " " + r.raw());
                        }
                    } catch (Exception e) {
                        failures.add(System.currentTimeMillis() + " " + e);
                    }
                }
            }));
        }
        try {
            await("load running", () -> ok.get() > 20);
            for (int gen = 2; gen <= 3; gen++) {
                m.signal("HUP");
                int g = gen;
                await("generation " + g + " ready", () -> m.log().contains("app ready (generation " + g));
                await("generation " + (g - 1) + " retired", () -> m.log().contains("generation " + (g - 1) + " retired"));
            }
            long okNow = ok.get();
            await("more requests after the reloads", () -> ok.get() > okNow + 50);
        } finally {
            running.set(false);
            for (Thread t : threads) {
                t.join(20_000);
            }
        }
        assertThat(failures).isEmpty();
        Set<Long> pids = new HashSet<>();
        for (String a : answers) {
            assertThat(a).startsWith("direct ");
            pids.add(Long.parseLong(a.substring("direct ".length())));
        }
        assertThat(pids).as("workers of three generations answered").hasSizeGreaterThanOrEqualTo(5);
    }

    // -- 7. static files keep the master in the path ------------------------------------------

    @Test
    void withCheckStaticTheMasterRelaysAndServesStaticFilesOnTheUwsgiSocket() throws Exception {
        Path docroot = Files.createTempDirectory("regent-direct-static-");
        Files.writeString(docroot.resolve("hello.txt"), "static hello\n");
        String unix = unixSocket();
        RegentProcess m = start(List.of(unix), "--processes", "1", "--check-static", docroot.toString());
        awaitVia(m, unix, "relayed");
        Reply file = get(unix, "/hello.txt");
        assertThat(file.status()).isEqualTo(200);
        assertThat(file.body()).isEqualTo("static hello\n");
        assertThat(get(unix, "/pid").status()).isEqualTo(200);
        for (int i = 0; i < 10; i++) {
            assertThat(get(unix, "/via").body()).startsWith("relayed ");
        }
    }

    // -- the master --------------------------------------------------------------------------

    private RegentProcess start(List<String> sockets, String... args) throws Exception {
        // noWait: the testkit's "serving http on" wait only matches when http is the first socket;
        // readiness is awaited on the uwsgi socket itself (awaitVia).
        RegentProcess.Builder b = RegentProcess.builder().app("direct_app.py").args(args).noWait();
        for (String s : sockets) {
            b.args("--socket", s);
        }
        return masters.start(b);
    }

    private static String unixSocket() throws IOException {
        return Files.createTempDirectory("regent-direct-").resolve("app.sock").toString();
    }

    /** The pids of the workers spawned so far, from the master's log. */
    private static Set<Long> workerPids(RegentProcess m) {
        Set<Long> pids = new HashSet<>();
        Matcher matcher = Pattern.compile("spawned worker \\d+ \\(pid (\\d+)").matcher(m.log());
        while (matcher.find()) {
            pids.add(Long.parseLong(matcher.group(1)));
        }
        return pids;
    }

    /** Waits until a worker answers /via on {@code socket} directly; returns its pid. */
    private static long awaitDirect(RegentProcess m, String socket) throws InterruptedException {
        return awaitVia(m, socket, "direct");
    }

    /** Waits until a worker other than {@code old} answers /via directly; returns its pid. */
    private static long awaitDirectFrom(RegentProcess m, String socket, long old) throws InterruptedException {
        long[] pid = new long[1];
        await("a worker other than pid " + old + " answering directly", () -> {
            Reply r = tryGet(socket, "/via");
            if (r != null && r.status() == 200 && r.body().startsWith("direct ")) {
                pid[0] = Long.parseLong(r.body().substring(7));
                return pid[0] != old;
            }
            return false;
        });
        return pid[0];
    }

    private static long awaitVia(RegentProcess m, String socket, String how) throws InterruptedException {
        long[] pid = new long[1];
        long deadline = System.nanoTime() + WAIT.toNanos();
        String last = null;
        while (System.nanoTime() < deadline) {
            if (!m.isAlive()) {
                throw new AssertionError("the master exited:\n" + m.log());
            }
            Reply r = tryGet(socket, "/via");
            if (r != null) {
                last = r.raw();
                if (r.status() == 200 && r.body().startsWith(how + " ")) {
                    pid[0] = Long.parseLong(r.body().substring(how.length() + 1));
                    return pid[0];
                }
            }
            Thread.sleep(50);
        }
        throw new AssertionError("no '" + how + "' answer on " + socket + " within " + WAIT + "; last reply: " + last
                + "\n" + m.log());
    }

    /** The first log line containing {@code text}, once the log writer has written it. */
    private static String awaitLine(RegentProcess m, String text) throws InterruptedException {
        await("a log line with '" + text + "'", () -> m.log().contains(text));
        return m.log().lines().filter(l -> l.contains(text)).findFirst().orElseThrow();
    }

    private static boolean pidsBeyond(Set<Long> pids, long first) {
        return pids.stream().anyMatch(p -> p != first);
    }

    private static void await(String what, BooleanSupplier condition) throws InterruptedException {
        long deadline = System.nanoTime() + WAIT.toNanos();
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() > deadline) {
                throw new AssertionError("timed out after " + WAIT + " waiting for: " + what);
            }
            Thread.sleep(50);
        }
    }

    // -- a uwsgi client with timeouts --------------------------------------------------------

    /** One raw reply: the status (0 when the connection closed without one), the head, the body. */
    record Reply(int status, String head, String body) {
        String raw() {
            return head + body;
        }
    }

    private static byte[] getPacket(String uri) {
        int q = uri.indexOf('?');
        return UwsgiClient.packet(List.of("REQUEST_METHOD", "GET", "REQUEST_URI", uri,
                "PATH_INFO", q < 0 ? uri : uri.substring(0, q), "QUERY_STRING", q < 0 ? "" : uri.substring(q + 1),
                "SERVER_PROTOCOL", "HTTP/1.1", "HTTP_HOST", "uwsgi.test"));
    }

    private static byte[] postPacket(String path, String body) {
        byte[] b = body.getBytes(StandardCharsets.ISO_8859_1);
        byte[] head = UwsgiClient.packet(List.of("REQUEST_METHOD", "POST", "REQUEST_URI", path, "PATH_INFO", path,
                "SERVER_PROTOCOL", "HTTP/1.1", "CONTENT_TYPE", "application/x-www-form-urlencoded",
                "CONTENT_LENGTH", Integer.toString(b.length)));
        byte[] all = java.util.Arrays.copyOf(head, head.length + b.length);
        System.arraycopy(b, 0, all, head.length, b.length);
        return all;
    }

    static Reply get(String socket, String uri) throws IOException {
        return exchange(socket, getPacket(uri), REPLY);
    }

    /** {@link #get}, or null when the socket does not accept (yet). */
    private static Reply tryGet(String socket, String uri) {
        try {
            return get(socket, uri);
        } catch (IOException e) {
            return null;
        }
    }

    /**
     * Sends {@code packet} to a Unix socket path or {@code host:port} and reads the reply until the
     * server closes; fails with an IOException when that takes longer than {@code timeout}.
     */
    static Reply exchange(String socket, byte[] packet, Duration timeout) throws IOException {
        SocketAddress address = UwsgiClient.address(socket);
        SocketChannel ch = UwsgiClient.open(address);
        long deadline = System.nanoTime() + timeout.toNanos();
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        try (ch; Selector selector = Selector.open()) {
            ch.configureBlocking(false);
            if (!ch.connect(address)) {
                ch.register(selector, SelectionKey.OP_CONNECT);
                while (!ch.finishConnect()) {
                    selectUntil(selector, deadline, "connect to " + socket);
                }
            }
            ByteBuffer send = ByteBuffer.wrap(packet);
            SelectionKey key = ch.register(selector, SelectionKey.OP_WRITE);
            while (send.hasRemaining()) {
                if (ch.write(send) == 0) {
                    selectUntil(selector, deadline, "send to " + socket);
                }
            }
            key.interestOps(SelectionKey.OP_READ);
            ByteBuffer buf = ByteBuffer.allocate(16384);
            while (true) {
                int n;
                try {
                    n = ch.read(buf);
                } catch (IOException reset) {
                    break;  // a reset ends the reply like a close
                }
                if (n < 0) {
                    break;
                }
                if (n == 0) {
                    selectUntil(selector, deadline, "reply from " + socket);
                    continue;
                }
                out.write(buf.array(), 0, buf.position());
                buf.clear();
            }
        }
        String raw = out.toString(StandardCharsets.ISO_8859_1);
        int end = raw.indexOf("\r\n\r\n");
        if (end < 0) {
            return new Reply(0, raw, "");
        }
        String head = raw.substring(0, end + 4);
        Matcher status = Pattern.compile("^HTTP/\\d\\.\\d (\\d{3})").matcher(head);
        return new Reply(status.find() ? Integer.parseInt(status.group(1)) : 0, head, raw.substring(end + 4));
    }

    private static void selectUntil(Selector selector, long deadline, String what) throws IOException {
        long left = TimeUnit.NANOSECONDS.toMillis(deadline - System.nanoTime());
        if (left <= 0) {
            throw new IOException("timed out: " + what);
        }
        selector.select(left);
        selector.selectedKeys().clear();
    }
}
