package dev.regent.it;

import dev.regent.testkit.HttpResponse;
import dev.regent.testkit.RegentProcess;
import dev.regent.testkit.RegentProcesses;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.time.Duration;
import java.util.concurrent.CompletableFuture;

import static org.assertj.core.api.Assertions.assertThat;

/** SIGTERM and SIGINT: stop accepting, finish the request in flight, stop the workers, exit 0. */
class GracefulStopTest {
    @RegisterExtension
    final RegentProcesses regents = new RegentProcesses();

    @ParameterizedTest(name = "SIG{0} during a slow request lets it finish, then the master exits 0")
    @ValueSource(strings = {"TERM", "INT"})
    void aStopSignalDuringASlowRequestLetsItFinishThenExitsZero(String signal) throws Exception {
        RegentProcess regent = regents.start(RegentProcess.builder().app("basic.py").args("--processes", "2"));
        SlowRequest.awaitWorkers(regent);
        CompletableFuture<HttpResponse> slow = SlowRequest.start(regent, 2);
        Thread.sleep(500);  // the request is in the app now
        regent.signal(signal);
        HttpResponse r = slow.get();
        assertThat(r.status()).isEqualTo(200);
        assertThat(r.bodyText()).isEqualTo("slept");
        assertThat(regent.awaitExit(Duration.ofSeconds(15))).isZero();
    }
}
