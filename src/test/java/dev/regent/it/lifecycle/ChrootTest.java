package dev.regent.it.lifecycle;

import static org.assertj.core.api.Assertions.assertThat;

import dev.regent.testkit.HttpConnection;
import dev.regent.testkit.RegentProcess;
import dev.regent.testkit.RegentProcesses;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.AfterEachCallback;
import org.junit.jupiter.api.extension.RegisterExtension;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * {@code chroot}: the zygote and its workers live inside a minimal root that holds only the
 * interpreter, its libraries, the standard library and the app, yet still reach the master (an
 * abstract socket), the uwsgi module and the API's cache (opened before the chroot).
 */
class ChrootTest {
    // Extensions' after-each callbacks run in reverse order: the masters stop before the root goes.
    @RegisterExtension
    @Order(1)
    final AfterEachCallback rootRemoval = context -> removeRoot();

    @RegisterExtension
    @Order(2)
    final RegentProcesses masters = new RegentProcesses().stoppedAtTeardown();

    private static final String APP = """
            import json
            import os
            import uwsgi

            def application(environ, start_response):
                uwsgi.cache_set("k", str(os.getpid()), 0, "jail")
                uwsgi.lock()
                uwsgi.unlock()
                body = json.dumps({
                    "root": sorted(os.listdir("/")),
                    "cwd": os.getcwd(),
                    "uid": os.getuid(),
                    "pid": os.getpid(),
                    "cached": uwsgi.cache_get("k", "jail").decode(),
                }).encode()
                start_response("200 OK", [("Content-Type", "application/json")])
                return [body]
            """;

    // Hard links when the root is on the same file system as /usr (instant), copies otherwise;
    // the libraries are those ldd names for the interpreter, the standard library is the one
    // the interpreter itself reports.
    private static final String BUILD_ROOT = """
            set -eu
            R="$1"
            put() {
              mkdir -p "$R$(dirname "$1")"
              cp -aL --link "$1" "$R$1" 2>/dev/null || cp -aL "$1" "$R$1"
            }
            put /usr/bin/python3
            for lib in $(ldd "$(readlink -f /usr/bin/python3)" | grep -o '/[^ ]*'); do put "$lib"; done
            STDLIB=$(/usr/bin/python3 -c 'import sysconfig; print(sysconfig.get_paths()["stdlib"])')
            mkdir -p "$R$(dirname "$STDLIB")"
            cp -a --link "$STDLIB" "$R$STDLIB" 2>/dev/null || { rm -rf "$R$STDLIB"; cp -a "$STDLIB" "$R$STDLIB"; }
            """;

    private Path root;

    @BeforeEach
    void buildRoot() throws Exception {
        root = Files.createTempDirectory("regent-chroot-");
        // Inside the root this is "/": the user the workers run as must be able to enter it.
        Files.setPosixFilePermissions(root, PosixFilePermissions.fromString("rwxr-xr-x"));
        Process p = new ProcessBuilder("bash", "-c", BUILD_ROOT, "build-root", root.toString())
                .redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(p.waitFor(60, TimeUnit.SECONDS)).isTrue();
        assertThat(p.exitValue()).as("building the root: " + out).isZero();
        Path app = root.resolve("app");
        Files.createDirectories(app);
        Files.setPosixFilePermissions(app, PosixFilePermissions.fromString("rwxr-xr-x"));
        Files.writeString(app.resolve("app.py"), APP);
    }

    private void removeRoot() throws Exception {
        // Removing hard links leaves the originals alone.
        if (root != null) {
            new ProcessBuilder("rm", "-rf", "--one-file-system", root.toString()).start().waitFor(60, TimeUnit.SECONDS);
            assertThat(root).doesNotExist();
        }
    }

    private static String get(RegentProcess m) throws Exception {
        return HttpConnection.exchange(m.port(), "GET / HTTP/1.1\r\nHost: t\r\nConnection: close\r\n\r\n")
                .bodyText();
    }

    @Test
    void workersServeFromInsideTheRootAsTheConfiguredUser() throws Exception {
        assertThat(new com.sun.security.auth.module.UnixSystem().getUid())
                .as("chroot needs root; the lifecycle tests run as root in this environment").isZero();
        RegentProcess m = masters.start(RegentProcess.builder().args("--chroot", root.toString(),
                "--chdir", "/app", "--wsgi-file", "/app/app.py", "--processes", "2", "--uid", "nobody",
                "--cache2", "name=jail,items=10"));
        String first = get(m);
        assertThat(first).contains("\"cwd\": \"/app\"").contains("\"uid\": 65534");
        List<String> listing = listing(first);
        assertThat(listing).contains("app", "usr").doesNotContain("proc", "work", "etc", "root");
        assertThat(first).contains("\"cached\": \"" + pidOf(first) + "\"");
        java.util.Set<String> oldPids = new java.util.HashSet<>();
        for (int i = 0; i < 20; i++) {
            String body = get(m);
            assertThat(body).contains("\"cwd\": \"/app\"");
            oldPids.add(pidOf(body));
        }
        // The workers reached the master through an abstract socket named after the master.
        assertThat(Files.readString(Path.of("/proc/net/unix"))).contains("@regent-" + m.pid() + "-");

        // A reload starts a new zygote, which must chroot again: ask until a new worker answers.
        m.signal("HUP");
        long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
        String after = get(m);
        while (oldPids.contains(pidOf(after)) && System.nanoTime() < deadline) {
            Thread.sleep(100);
            after = get(m);
        }
        assertThat(oldPids).doesNotContain(pidOf(after));
        assertThat(after).contains("\"cwd\": \"/app\"").contains("\"uid\": 65534");
        assertThat(listing(after)).contains("app").doesNotContain("proc", "work");
    }

    @Test
    void aMissingRootStopsStartUpWithTheReason() throws Exception {
        RegentProcess m = masters.start(RegentProcess.builder().noWait().args("--chroot",
                root.resolve("no-such-dir").toString(), "--wsgi-file", "/app/app.py"));
        assertThat(m.awaitExit(Duration.ofSeconds(30))).isNotZero();
        assertThat(m.log()).contains("No such file or directory").contains("no-such-dir");
    }

    private static List<String> listing(String json) {
        int start = json.indexOf("\"root\": [") + 9;
        String inside = json.substring(start, json.indexOf(']', start));
        return List.of(inside.replace("\"", "").split(",\\s*"));
    }

    private static String pidOf(String json) {
        int start = json.indexOf("\"pid\": ") + 7;
        int end = start;
        while (end < json.length() && Character.isDigit(json.charAt(end))) {
            end++;
        }
        return json.substring(start, end);
    }
}
