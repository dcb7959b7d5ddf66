package dev.regent.it.emperor;

import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicBoolean;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The vassal file lifecycle with requests flowing (add, touch, edit, remove), and isolation: a
 * vassal whose app cannot be imported and one whose config is bad run next to a healthy one
 * without disturbing it.
 */
class EmperorLifecycleTest {

    static final String APP = """
            import os
            VERSION = "v1"
            def application(environ, start_response):
                body = ("%s %s pid=%d\\n" % (os.environ.get("VASSAL"), VERSION, os.getpid())).encode()
                start_response("200 OK", [("Content-Type", "text/plain"), ("Content-Length", str(len(body)))])
                return [body]
            """;

    static String vassal(Path dir, String name, String app, String... more) {
        StringBuilder sb = new StringBuilder("[uwsgi]\nhttp-socket = " + dir.resolve(name + ".sock") + "\n"
                + "wsgi-file = " + app + "\nenv = VASSAL=" + name + "\npython = " + EmperorProcess.PYTHON + "\n"
                + "domain = " + name + ".test\n");
        for (String line : more) {
            sb.append(line).append('\n');
        }
        return sb.toString();
    }

    @Test
    void filesStartReloadAndStopVassalsWhileRequestsFlowAndBrokenVassalsStayIsolated() throws Exception {
        Path dir = Files.createTempDirectory("regent-emperor-life-");
        Path vassals = Files.createDirectories(dir.resolve("vassals"));
        Path app = dir.resolve("app.py");
        Files.writeString(app, APP);
        Files.writeString(dir.resolve("broken.py"), "def application(environ, start_response)\n    return []\n");
        Files.writeString(vassals.resolve("alpha.ini"), vassal(dir, "alpha", app.toString()));
        Files.writeString(vassals.resolve("broken.ini"), vassal(dir, "broken", dir.resolve("broken.py").toString()));
        Files.writeString(vassals.resolve("typo.ini"), vassal(dir, "typo", app.toString(), "procesess = 2"));
        Files.writeString(vassals.resolve("README.txt"), "not a vassal\n");
        try (EmperorProcess emperor = EmperorProcess.start(vassals)) {
            emperor.awaitResponse("alpha.test", r -> r.status() == 200, Duration.ofSeconds(20));
            assertThat(overUnixSocket(dir.resolve("alpha.sock"))).contains("alpha v1");

            // Requests flow through everything below; none may fail.
            Map<Integer, Integer> statuses = new ConcurrentHashMap<>();
            AtomicBoolean running = new AtomicBoolean(true);
            Thread load = Thread.ofPlatform().start(() -> {
                while (running.get()) {
                    try {
                        statuses.merge(emperor.get("alpha.test").status(), 1, Integer::sum);
                    } catch (IOException e) {
                        statuses.merge(-1, 1, Integer::sum);
                    }
                }
            });

            // touch with new code: graceful reload inside the vassal
            Files.writeString(app, APP.replace("v1", "v2"));
            touch(vassals.resolve("alpha.ini"));
            emperor.awaitResponse("alpha.test", r -> r.bodyText().contains("alpha v2"), Duration.ofSeconds(20));

            // edit: another configuration, the vassal's server is replaced
            Files.writeString(vassals.resolve("alpha.ini"), vassal(dir, "alpha", app.toString(), "processes = 2"));
            touch(vassals.resolve("alpha.ini"));
            emperor.awaitVassal("alpha.ini", v -> v.contains("\"workers\":2") && v.contains("\"state\":\"ready\""),
                    Duration.ofSeconds(20));

            // add a vassal, then remove it
            Files.writeString(vassals.resolve("beta.ini"), vassal(dir, "beta", app.toString()));
            emperor.awaitResponse("beta.test", r -> r.bodyText().contains("beta v2"), Duration.ofSeconds(20));
            Files.delete(vassals.resolve("beta.ini"));
            emperor.awaitResponse("beta.test", r -> r.status() == 404, Duration.ofSeconds(20));
            awaitGone(dir.resolve("beta.sock"));

            running.set(false);
            load.join();
            assertThat(statuses).as("statuses of the requests sent during the changes").containsOnlyKeys(200);
            assertThat(statuses.get(200)).isGreaterThan(20);

            // isolation: the broken vassal is retried with a growing delay; the bad config waits for an edit
            // The retries go on while the steps above run, so the count seen here is at least 2;
            // the throttle must have grown one emperor-throttle step (1 s) per failure.
            String broken = emperor.awaitVassal("broken.ini", v -> number(v, "failures") >= 2,
                    Duration.ofSeconds(20));
            long failures = number(broken, "failures");
            assertThat(broken).contains("the app failed to load");
            assertThat(number(broken, "throttle_ms")).isEqualTo(Math.min(180_000, failures * 1000));
            assertThat(emperor.get("broken.test").status()).isEqualTo(503);
            String typo = emperor.vassal("typo.ini");
            assertThat(typo).contains("\"state\":\"failed\"").contains("bad configuration").contains("procesess");
            assertThat(emperor.vassal("README.txt")).isNull();
            assertThat(emperor.get("alpha.test").status()).isEqualTo(200);
            assertThat(emperor.log()).contains("unloyal bad behaving vassal found: broken.ini");

            assertThat(emperor.stop()).isEqualTo(0);
            assertThat(emperor.leftovers()).isEmpty();
            awaitGone(dir.resolve("alpha.sock"));
        }
    }

    static void touch(Path file) throws IOException {
        // mtime has a one-millisecond grain here; make the change visible whatever the clock did
        Files.setLastModifiedTime(file, FileTime.fromMillis(System.currentTimeMillis() + 1000));
    }

    static void awaitGone(Path file) throws InterruptedException {
        long deadline = System.nanoTime() + Duration.ofSeconds(10).toNanos();
        while (Files.exists(file) && System.nanoTime() < deadline) {
            Thread.sleep(50);
        }
        assertThat(file).doesNotExist();
    }

    static String overUnixSocket(Path socket) throws IOException {
        try (SocketChannel ch = SocketChannel.open(StandardProtocolFamily.UNIX)) {
            ch.connect(UnixDomainSocketAddress.of(socket));
            ch.write(ByteBuffer.wrap("GET / HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n"
                    .getBytes(StandardCharsets.US_ASCII)));
            ByteBuffer buf = ByteBuffer.allocate(65536);
            while (ch.read(buf) >= 0) {
                if (!buf.hasRemaining()) {
                    break;
                }
            }
            return new String(buf.array(), 0, buf.position(), StandardCharsets.ISO_8859_1);
        }
    }

    /** The value of a numeric field in a one-object JSON text, or -1 when it is absent. */
    static long number(String json, String field) {
        java.util.regex.Matcher m = java.util.regex.Pattern.compile("\"" + field + "\":(\\d+)").matcher(json);
        return m.find() ? Long.parseLong(m.group(1)) : -1;
    }
}
