package dev.regent.it.lifecycle;

import static org.assertj.core.api.Assertions.assertThat;

import dev.regent.testkit.HttpConnection;
import dev.regent.testkit.HttpResponse;
import dev.regent.testkit.RegentProcess;
import dev.regent.testkit.RegentProcesses;
import dev.regent.testkit.Signals;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** When a worker goes wrong: harakiri, a worker killed mid-request, a worker that dies at start-up. */
class HarakiriAndCrashTest {
    private static final Duration WAIT = Duration.ofSeconds(30);

    @RegisterExtension
    final RegentProcesses masters = new RegentProcesses().stoppedAtTeardown();

    private RegentProcess start(String... args) throws Exception {
        return masters.start(RegentProcess.builder().args("--wsgi-file", AppFiles.copy("v1").toString()).args(args));
    }

    private static long pidOf(RegentProcess m) throws Exception {
        HttpResponse r = HttpConnection.exchange(m.port(), "GET /pid HTTP/1.1\r\nHost: t\r\nConnection: close\r\n\r\n");
        assertThat(r.status()).isEqualTo(200);
        return Long.parseLong(r.bodyText());
    }

    private static long firstGroup(RegentProcess m, String regex) throws InterruptedException {
        Pattern p = Pattern.compile(regex);
        Load.await(WAIT, regex + " in the log", () -> p.matcher(m.log()).find());
        Matcher matcher = p.matcher(m.log());
        assertThat(matcher.find()).isTrue();
        return Long.parseLong(matcher.group(1));
    }

    @Test
    void harakiriAnswers504LogsWhereTheCodeWasStuckAndANewWorkerServes() throws Exception {
        RegentProcess m = start("--processes", "1", "--harakiri", "2");
        long before = pidOf(m);
        HttpResponse stuck = HttpConnection.exchange(m.port(),
                "GET /stuck HTTP/1.1\r\nHost: t\r\nConnection: close\r\n\r\n");
        assertThat(stuck.status()).isEqualTo(504);
        long killed = firstGroup(m, "HARAKIRI ON WORKER 1 \\(pid (\\d+)\\)");
        assertThat(killed).isEqualTo(before);
        Load.await(WAIT, "the stack dump", () -> m.log().contains("stuck_in_a_loop_forever"));
        assertThat(m.log()).containsPattern("HARAKIRI ON WORKER 1 \\(pid \\d+\\) \\*\\*\\* app \\S+app\\.py: \\S+ GET /stuck"
                + " has run for \\d+ ms \\(harakiri 2 s\\)");
        long fresh = firstGroup(m, "killed \\(harakiri\\); respawning[\\s\\S]*spawned worker 1 \\(pid (\\d+)");
        Load.await(WAIT, "the new worker serving", () -> {
            try {
                return pidOf(m) == fresh;
            } catch (Exception e) {
                return false;
            }
        });
        assertThat(fresh).isNotEqualTo(before);
    }

    @Test
    void killingABusyWorkerFailsOnlyItsOwnRequest() throws Exception {
        RegentProcess m = start("--processes", "2");
        CompletableFuture<HttpResponse> slow = CompletableFuture.supplyAsync(() -> {
            try {
                return HttpConnection.exchange(m.port(), "GET /slow HTTP/1.1\r\nHost: t\r\nConnection: close\r\n\r\n");
            } catch (Exception e) {
                throw new IllegalStateException(e);
            }
        });
        long busy = firstGroup(m, "SLOW pid=(\\d+)");
        try (Load load = Load.start(m.port(), "/pid", 3)) {
            Load.await(WAIT, "requests served beside the busy worker", () -> load.ok() >= 20);
            Signals.send("KILL", busy);
            assertThat(slow.get(30, java.util.concurrent.TimeUnit.SECONDS).status()).isEqualTo(502);
            long okAtKill = load.ok();
            Load.await(WAIT, "more requests after the kill", () -> load.ok() >= okAtKill + 20);
            load.close();
            assertThat(load.failures()).isEmpty();
        }
        assertThat(m.log()).contains("pid " + busy + ") died, killed by signal 9");
    }

    @Test
    void aWorkerThatDiesAtStartUpIsRespawnedWithGrowingBackOff() throws Exception {
        Path app = Files.createTempDirectory("regent-crash-").resolve("crash.py");
        Files.writeString(app, "import os\nos._exit(3)\n");
        RegentProcess m = masters.start(RegentProcess.builder().args("--wsgi-file", app.toString(), "--lazy-apps",
                "--processes", "1"));
        Load.await(WAIT, "back-off step 4", () -> m.log().contains("back-off step 4)"));
        String log = m.log();
        int at = 0;
        long[] delays = {100, 200, 400, 800};
        for (int step = 1; step <= 4; step++) {
            String line = "exit status 3 after less than a second; respawning in " + delays[step - 1]
                    + " ms (back-off step " + step + ")";
            int found = log.indexOf(line, at);
            assertThat(found).as("step %d in order: %s", step, line).isGreaterThanOrEqualTo(at);
            at = found;
            assertThat(log.indexOf(line, found + 1)).as("one line per step").isEqualTo(-1);
        }
        long spawns = log.lines().filter(l -> l.contains("spawned worker 1")).count();
        assertThat(spawns).as("no tight respawn loop").isLessThanOrEqualTo(6);
    }
}
