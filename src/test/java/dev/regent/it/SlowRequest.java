package dev.regent.it;

import dev.regent.testkit.HttpConnection;
import dev.regent.testkit.HttpResponse;
import dev.regent.testkit.RegentProcess;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.concurrent.CompletableFuture;

/** A request to the basic app's /sleep, answered on another thread. */
final class SlowRequest {
    private SlowRequest() {
    }

    static CompletableFuture<HttpResponse> start(RegentProcess regent, double seconds) {
        return CompletableFuture.supplyAsync(() -> {
            try {
                return HttpConnection.exchange(regent.port(),
                        "GET /sleep?s=" + seconds + " HTTP/1.1\r\nHost: t\r\n\r\n");
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        });
    }

    /** One quick request first, so that the slow one does not race the workers' start. */
    static void awaitWorkers(RegentProcess regent) throws IOException {
        HttpConnection.exchange(regent.port(), "GET / HTTP/1.1\r\nHost: t\r\nConnection: close\r\n\r\n");
    }
}
