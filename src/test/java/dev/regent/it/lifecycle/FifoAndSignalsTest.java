package dev.regent.it.lifecycle;

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
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

/** master-fifo commands, chain reloads, and the SIGUSR1/SIGUSR2 reports. */
class FifoAndSignalsTest {
    private static final Duration WAIT = Duration.ofSeconds(40);

    @RegisterExtension
    final RegentProcesses masters = new RegentProcesses().stoppedAtTeardown();

    private static void command(Path fifo, String letters) throws Exception {
        // The master holds the FIFO open, so this open does not block.
        Files.writeString(fifo, letters, StandardCharsets.US_ASCII);
    }

    /** The master creates its FIFOs as its loop starts, just after it logs that it serves. */
    private static void awaitFifo(RegentProcess m, Path fifo) throws InterruptedException {
        Load.await(WAIT, "the master reading " + fifo, () -> m.log().contains("master-fifo: reading " + fifo));
        assertThat(Files.isRegularFile(fifo)).isFalse();
    }

    @Test
    void fifoChainReloadReplacesWorkersOneAtATimeUnderLoad() throws Exception {
        Path app = AppFiles.copy("v1");
        Path fifo = app.resolveSibling("master.fifo");
        RegentProcess m = masters.start(RegentProcess.builder().args("--wsgi-file", app.toString(),
                "--processes", "3", "--master-fifo", fifo.toString()));
        awaitFifo(m, fifo);
        assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(fifo))).isEqualTo("rw-------");
        try (Load load = Load.start(m.port(), "/version", 3)) {
            Load.await(WAIT, "load running", () -> load.ok() > 10);
            AppFiles.setVersion(app, "v2");
            command(fifo, "c");
            Load.await(WAIT, "chain reload complete", () -> m.log().contains("chain reload complete"));
            Load.await(WAIT, "v2 served", () -> load.bodies().contains("v2"));
            load.close();
            assertThat(load.failures()).isEmpty();
        }
        String log = m.log();
        int one = log.indexOf("next victim is worker 1");
        int two = log.indexOf("next victim is worker 2");
        int three = log.indexOf("next victim is worker 3");
        assertThat(one).isPositive().isLessThan(two);
        assertThat(two).isLessThan(three);
        assertThat(ReloadTest.version(m)).isEqualTo("v2");
    }

    @Test
    void lazyAppsTouchChainReloadLoadsTheNewCodeInEachReplacement() throws Exception {
        Path app = AppFiles.copy("v1");
        Path trigger = app.resolveSibling("chain.trigger");
        AppFiles.touch(trigger);
        RegentProcess m = masters.start(RegentProcess.builder().args("--wsgi-file", app.toString(), "--lazy-apps",
                "--processes", "2", "--touch-chain-reload", trigger.toString()));
        assertThat(ReloadTest.version(m)).isEqualTo("v1");
        AppFiles.setVersion(app, "v2");
        AppFiles.touch(trigger);
        Load.await(WAIT, "chain reload complete", () -> m.log().contains("chain reload complete"));
        Load.await(WAIT, "v2", () -> ReloadTest.version(m).equals("v2"));
        assertThat(m.log()).contains("lazy-apps: each replacement imports the app", "next victim is worker 2")
                .doesNotContain("generation 2");
    }

    @Test
    void usr1LogsStatsAndUsr2ShowsWhatEachWorkerIsDoing() throws Exception {
        Path app = AppFiles.copy("v1");
        // Through bin/regent: HotSpot keeps SIGUSR2 for itself, the launcher relays it as SIGTTIN.
        RegentProcess m = masters.start(RegentProcess.builder().viaLauncher().args("--wsgi-file", app.toString(),
                "--processes", "2"));
        assertThat(ReloadTest.version(m)).isEqualTo("v1");
        CompletableFuture<HttpResponse> slow = CompletableFuture.supplyAsync(() -> {
            try {
                return HttpConnection.exchange(m.port(), "GET /slow?4 HTTP/1.1\r\nHost: t\r\nConnection: close\r\n\r\n");
            } catch (Exception e) {
                throw new IllegalStateException(e);
            }
        });
        Load.await(WAIT, "the slow request running", () -> m.log().contains("SLOW pid="));
        m.signal("USR2");
        Load.await(WAIT, "a busy status line", () -> m.log().matches("(?s).*status: worker \\d \\(pid \\d+\\) busy: "
                + "\\[slot 0\\] \\S+ GET /slow\\?4 for \\d+ ms.*"));
        assertThat(m.log()).containsPattern("status: worker \\d \\(pid \\d+\\) idle");
        m.signal("USR1");
        Load.await(WAIT, "stats lines", () -> m.log().contains("stats: worker 2 pid"));
        assertThat(m.log()).containsPattern("stats: worker 1 pid \\d+ generation 1 requests \\d+ (busy 1/1|idle)");
        assertThat(slow.get(30, TimeUnit.SECONDS).status()).isEqualTo(200);
    }

    @Test
    void fifoDigitsSelectAnotherFifoAndQStopsGracefully() throws Exception {
        Path app = AppFiles.copy("v1");
        Path first = app.resolveSibling("first.fifo");
        Path second = app.resolveSibling("second.fifo");
        RegentProcess m = masters.start(RegentProcess.builder().args("--wsgi-file", app.toString(),
                "--master-fifo", first.toString(), "--master-fifo", second.toString()));
        awaitFifo(m, first);
        assertThat(ReloadTest.version(m)).isEqualTo("v1");
        command(first, "s");
        Load.await(WAIT, "stats from fifo s", () -> m.log().contains("stats: worker 1 pid"));
        command(first, "1");
        Load.await(WAIT, "switch", () -> m.log().contains("master-fifo: reading " + second));
        command(second, "x");
        Load.await(WAIT, "x read from the second FIFO", () -> m.log().contains("command 'x' not supported"));
        command(second, "q");
        assertThat(m.awaitExit(WAIT)).isZero();
        assertThat(m.log()).contains("master-fifo q received: graceful stop");
        assertThat(first).doesNotExist();
        assertThat(second).doesNotExist();
    }
}
