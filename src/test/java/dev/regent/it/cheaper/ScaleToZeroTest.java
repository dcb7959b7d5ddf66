package dev.regent.it.cheaper;

import static org.assertj.core.api.Assertions.assertThat;

import dev.regent.testkit.HttpConnection;
import dev.regent.testkit.HttpResponse;
import dev.regent.testkit.RegentProcess;
import dev.regent.testkit.RegentProcesses;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;

/**
 * {@code idle}: every worker (and the zygote) stops after the idle time; the next requests wait
 * while the app starts again and are all served, even more of them than {@code listen} allows.
 */
class ScaleToZeroTest {
    private static final Duration WAIT = Duration.ofSeconds(30);

    @RegisterExtension
    final RegentProcesses masters = new RegentProcesses().stoppedAtTeardown();

    private static long timedGet(RegentProcess m, String path) throws Exception {
        long start = System.nanoTime();
        HttpResponse r = HttpConnection.exchange(m.port(),
                "GET " + path + " HTTP/1.1\r\nHost: test\r\nConnection: close\r\n\r\n");
        assertThat(r.status()).as(r.bodyText()).isEqualTo(200);
        return (System.nanoTime() - start) / 1_000_000;
    }

    @Test
    void idleStopsEverythingAndABurstOfRequestsWakesTheApp() throws Exception {
        RegentProcess m = masters.start(RegentProcess.builder().app("flask_app.py").args("--processes", "2",
                "--idle", "2", "--listen", "2"));
        Fleet.await(WAIT, "two workers", () -> Fleet.workers(m) == 2, m);
        timedGet(m, "/");
        List<Long> wakes = new ArrayList<>();
        for (int round = 0; round < 2; round++) {
            Fleet.await(WAIT, "no worker and no zygote", () -> Fleet.zygotes(m) == 0, m);
            assertThat(Fleet.workers(m)).isZero();
            // More requests than listen (2) at once: none is refused while the app wakes.
            List<CompletableFuture<Long>> burst = new ArrayList<>();
            for (int i = 0; i < 6; i++) {
                burst.add(CompletableFuture.supplyAsync(() -> {
                    try {
                        return timedGet(m, "/");
                    } catch (Exception e) {
                        throw new IllegalStateException(e);
                    }
                }));
            }
            long slowest = 0;
            for (CompletableFuture<Long> f : burst) {
                slowest = Math.max(slowest, f.get());
            }
            wakes.add(slowest);
            assertThat(Fleet.workers(m)).isEqualTo(2);
        }
        String log = m.log();
        assertThat(log).contains("workers have been inactive for more than 2 seconds: stopping every worker and the"
                + " zygote", "request while idle: importing the app");
        assertThat(log).doesNotContain(" 503 ");
        System.out.println("cold wake from zero (flask, zygote stopped), slowest of 6 requests (ms): " + wakes);
    }

    @Test
    void cheapStartsWithoutWorkersAndKeepsTheZygoteWhenAsked() throws Exception {
        RegentProcess m = masters.start(RegentProcess.builder().app("flask_app.py").args("--processes", "2",
                "--cheap", "--idle", "2", "--idle-keep-zygote"));
        Fleet.await(WAIT, "the zygote up", () -> m.log().contains("app ready"), m);
        Thread.sleep(500);
        assertThat(Fleet.workers(m)).isZero();
        assertThat(Fleet.zygotes(m)).isEqualTo(1);
        List<Long> wakes = new ArrayList<>();
        for (int round = 0; round < 3; round++) {
            wakes.add(timedGet(m, "/"));
            assertThat(Fleet.workers(m)).isEqualTo(2);
            Fleet.await(WAIT, "back to zero", () -> Fleet.workers(m) == 0, m);
            assertThat(Fleet.zygotes(m)).as("the zygote stays").isEqualTo(1);
        }
        System.out.println("wake from zero (flask, zygote kept) (ms): " + wakes);
    }

    @Test
    void masterFifoAddsAndRemovesWorkers() throws Exception {
        Path fifo = Files.createTempDirectory("regent-cheaper").resolve("master.fifo");
        RegentProcess m = masters.start(RegentProcess.builder().app("basic.py").args("--processes", "3",
                "--cheaper", "1", "--cheaper-algo", "manual", "--master-fifo", fifo.toString()));
        Fleet.await(WAIT, "one worker", () -> Fleet.workers(m) == 1, m);
        Fleet.await(WAIT, "the fifo", () -> m.log().contains("master-fifo: reading"), m);
        Files.writeString(fifo, "+", StandardCharsets.US_ASCII);
        Fleet.await(WAIT, "two workers", () -> Fleet.workers(m) == 2, m);
        Files.writeString(fifo, "++", StandardCharsets.US_ASCII);
        Fleet.await(WAIT, "three workers", () -> Fleet.workers(m) == 3, m);
        Files.writeString(fifo, "---", StandardCharsets.US_ASCII);
        Fleet.await(WAIT, "one worker again", () -> Fleet.workers(m) == 1, m);
        assertThat(m.log()).contains("master-fifo +: adding a worker (worker 2)", "master-fifo -: stopping a worker",
                "master-fifo -: ignored (1 workers, at least 1 stay)");
        timedGet(m, "/");
    }
}
