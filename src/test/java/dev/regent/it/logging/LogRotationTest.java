package dev.regent.it.logging;

import static org.assertj.core.api.Assertions.assertThat;

import dev.regent.testkit.HttpConnection;
import dev.regent.testkit.RegentProcess;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

/**
 * A real master writing its log to a file with a small log-maxsize while requests flow from
 * several clients: every request has exactly one line across the rotated files. Then logrotate's
 * rename-and-HUP: with log-reopen the lines after the reload go to a new file under the old name.
 */
class LogRotationTest {
    private static final Pattern SERVING = Pattern.compile("serving http on [^ ]*:(\\d+)");
    private static final int CLIENTS = 4;
    private static final int PER_CLIENT = 150;

    @TempDir
    Path dir;

    @Test
    void rotationUnderLoadLosesNoLineAndHupReopens() throws Exception {
        Path log = dir.resolve("regent.log");
        RegentProcess regent = RegentProcess.builder().app("basic.py")
                .args("--processes", "2", "--threads", "2", "--logto", log.toString(), "--log-maxsize", "2000",
                        "--log-reopen", "--log-format", "REQ %(uri) %(status)")
                .noWait().start();
        try {
            int port = awaitPort(log, regent);
            ExecutorService pool = Executors.newFixedThreadPool(CLIENTS);
            List<Future<?>> done = new ArrayList<>();
            for (int c = 0; c < CLIENTS; c++) {
                int client = c;
                done.add(pool.submit(() -> {
                    for (int i = 0; i < PER_CLIENT; i++) {
                        String uri = "/n/" + client + "/" + i;
                        int status = HttpConnection.exchange(port, "GET " + uri
                                + " HTTP/1.1\r\nHost: t\r\nConnection: close\r\n\r\n").status();
                        assertThat(status).isEqualTo(200);
                    }
                    return null;
                }));
            }
            for (Future<?> f : done) {
                f.get();
            }
            pool.shutdown();
            int total = CLIENTS * PER_CLIENT;
            awaitRequestLines(log, total);
            List<String> lines = requestLines(log);
            assertThat(lines).hasSize(total).doesNotHaveDuplicates();
            assertThat(logFiles(log).size()).isGreaterThan(2);

            // logrotate: rename, then SIGHUP; the reload reopens the file by name
            Path moved = dir.resolve("moved.log");
            Files.move(log, moved);
            regent.signal("HUP");
            awaitContains(log, "regent.log reopened", regent);
            for (int i = 0; i < 5; i++) {
                HttpConnection.exchange(port, "GET /after/" + i + " HTTP/1.1\r\nHost: t\r\nConnection: close\r\n\r\n");
            }
            awaitContains(log, "REQ /after/4 200", regent);
            assertThat(Files.readString(log)).contains("REQ /after/0 200");
            assertThat(Files.readString(moved)).doesNotContain("/after/");
            assertThat(regent.stop("TERM", Duration.ofSeconds(60))).isZero();
        } finally {
            if (regent.isAlive()) {
                regent.destroyAll();
            }
            regent.close();
        }
    }

    private static int awaitPort(Path log, RegentProcess regent) throws Exception {
        long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
        while (System.nanoTime() < deadline) {
            if (Files.exists(log)) {
                Matcher m = SERVING.matcher(Files.readString(log));
                if (m.find()) {
                    return Integer.parseInt(m.group(1));
                }
            }
            if (!regent.isAlive()) {
                throw new AssertionError("master exited: " + regent.log());
            }
            Thread.sleep(50);
        }
        throw new AssertionError("not serving; stdout: " + regent.log());
    }

    private void awaitRequestLines(Path log, int n) throws Exception {
        long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
        while (System.nanoTime() < deadline && requestLines(log).size() < n) {
            Thread.sleep(100);
        }
        Thread.sleep(300);
    }

    private List<String> requestLines(Path log) throws IOException {
        List<String> lines = new ArrayList<>();
        for (Path f : logFiles(log)) {
            try (Stream<String> s = Files.lines(f)) {
                s.filter(l -> l.startsWith("REQ /n/")).forEach(lines::add);
            }
        }
        return lines;
    }

    private static List<Path> logFiles(Path log) throws IOException {
        try (Stream<Path> s = Files.list(log.getParent())) {
            return s.filter(p -> p.getFileName().toString().startsWith("regent.log")).toList();
        }
    }

    private static void awaitContains(Path file, String text, RegentProcess regent) throws Exception {
        long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
        while (System.nanoTime() < deadline) {
            if (Files.exists(file) && Files.readString(file).contains(text)) {
                return;
            }
            Thread.sleep(50);
        }
        throw new AssertionError(file + " never contained " + text + "; stdout: " + regent.log());
    }
}
