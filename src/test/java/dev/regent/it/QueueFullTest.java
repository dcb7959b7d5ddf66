package dev.regent.it;

import dev.regent.testkit.HttpConnection;
import dev.regent.testkit.HttpResponse;
import dev.regent.testkit.RegentProcess;
import dev.regent.testkit.RegentServer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;

import static org.assertj.core.api.Assertions.assertThat;

/** One slot, a queue of one: the third concurrent request finds the queue full. */
class QueueFullTest {
    @RegisterExtension
    static final RegentServer SERVER = new RegentServer(RegentProcess.builder().app("basic.py")
            .args("--listen", "1", "--processes", "1", "--threads", "1"));

    @Test
    void aRequestThatFindsTheQueueFullGets503WithRetryAfter() throws Exception {
        SERVER.get("/");  // the worker is up, so the first request occupies the slot at once
        ExecutorService pool = Executors.newFixedThreadPool(3);
        try {
            List<Future<HttpResponse>> answers = new ArrayList<>();
            for (int i = 0; i < 3; i++) {
                answers.add(pool.submit(() -> SERVER.get("/sleep?s=1")));
                Thread.sleep(150);  // in order: the slot's request, the queued one, the rejected one
            }
            List<Integer> statuses = new ArrayList<>();
            HttpResponse rejected = null;
            for (Future<HttpResponse> f : answers) {
                HttpResponse r = f.get();
                statuses.add(r.status());
                if (r.status() == 503) {
                    rejected = r;
                }
            }
            assertThat(statuses).containsExactlyInAnyOrder(200, 200, 503);
            assertThat(rejected.header("Retry-After")).isPresent();
        } finally {
            pool.shutdownNow();
        }
        try (HttpConnection c = SERVER.connect()) {
            assertThat(c.send("GET / HTTP/1.1\r\nHost: t\r\n\r\n").readResponse().status()).isEqualTo(200);
        }
    }
}
