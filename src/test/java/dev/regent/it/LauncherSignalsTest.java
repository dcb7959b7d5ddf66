package dev.regent.it;

import dev.regent.testkit.HttpResponse;
import dev.regent.testkit.RegentProcess;
import dev.regent.testkit.RegentProcesses;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;

/** Signals sent to bin/regent's pid, as supervisor, systemd and Kubernetes send them. */
class LauncherSignalsTest {
    @RegisterExtension
    final RegentProcesses regents = new RegentProcesses();

    @Test
    void sigquitToTheLauncherStopsRegentAtOnceEvenWithARequestInFlight() throws Exception {
        RegentProcess regent = regents.start(RegentProcess.builder().viaLauncher().app("basic.py"));
        SlowRequest.awaitWorkers(regent);
        CompletableFuture<HttpResponse> slow = SlowRequest.start(regent, 30);
        Thread.sleep(500);
        long start = System.nanoTime();
        regent.signal("QUIT");
        regent.awaitExit(Duration.ofSeconds(5));
        assertThat((System.nanoTime() - start) / 1_000_000).as("milliseconds to stop").isLessThan(5000);
        // Cut off: the connection is closed, or the master answers 502 for the killed worker; never the 200.
        Throwable outcome = slow.handle((r, e) -> e != null ? e : new AssertionError("answered: " + r))
                .get(5, TimeUnit.SECONDS);
        if (outcome instanceof AssertionError answered) {
            assertThat(slow.get().status()).as("the request in flight is cut off, " + answered.getMessage())
                    .isGreaterThanOrEqualTo(500);
        }
    }

    @Test
    void sigtermToTheLauncherStopsRegentGracefullyWithStatusZero() throws Exception {
        RegentProcess regent = regents.start(RegentProcess.builder().viaLauncher().app("basic.py"));
        SlowRequest.awaitWorkers(regent);
        CompletableFuture<HttpResponse> slow = SlowRequest.start(regent, 1);
        Thread.sleep(300);
        regent.signal("TERM");
        assertThat(slow.get().status()).isEqualTo(200);
        assertThat(regent.awaitExit(Duration.ofSeconds(15))).isZero();
    }
}
