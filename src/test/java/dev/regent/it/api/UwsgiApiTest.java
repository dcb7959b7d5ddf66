package dev.regent.it.api;

import static org.assertj.core.api.Assertions.assertThat;

import dev.regent.testkit.HttpConnection;
import dev.regent.testkit.RegentProcess;
import dev.regent.testkit.RegentServer;
import dev.regent.testkit.Signals;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.stream.Collectors;
import java.util.stream.IntStream;

/** The uwsgi module through a real master, four real workers and a mule (Regent's uwsgidecorators). */
class UwsgiApiTest {

    @RegisterExtension
    static final RegentServer SERVER = new RegentServer(RegentProcess.builder().app("uwsgi_api_app.py")
            .args("--processes", "4", "--cache2", "name=c,items=1000,blocksize=4096", "--locks", "2", "--mule"));

    static String get(String path) throws IOException {
        return SERVER.get(path).bodyText();
    }

    /** Polls {@code path} until {@code done} holds (10 s at most); the last answer. */
    static String await(String path, java.util.function.Predicate<String> done) throws Exception {
        long deadline = System.nanoTime() + 10_000_000_000L;
        String last = get(path);
        while (!done.test(last) && System.nanoTime() < deadline) {
            Thread.sleep(50);
            last = get(path);
        }
        return last;
    }

    @Test
    void fourWorkersIncrementOneCounter() throws Exception {
        ExecutorService pool = Executors.newFixedThreadPool(4);
        try {
            List<Future<java.util.Set<String>>> runs = new ArrayList<>();
            for (int t = 0; t < 4; t++) {
                runs.add(pool.submit(() -> {
                    java.util.Set<String> workers = new java.util.HashSet<>();
                    try (HttpConnection c = SERVER.connect()) {
                        for (int i = 0; i < 1000; i++) {
                            assertThat(c.send("GET /inc HTTP/1.1\r\nHost: t\r\n\r\n").readResponse().bodyText())
                                    .isEqualTo("ok");
                            if (i % 100 == 0) {
                                workers.add(c.send("GET /info HTTP/1.1\r\nHost: t\r\n\r\n").readResponse().bodyText()
                                        .split(" ")[0]);
                            }
                        }
                    }
                    return workers;
                }));
            }
            java.util.Set<String> workers = new java.util.HashSet<>();
            for (Future<java.util.Set<String>> f : runs) {
                workers.addAll(f.get());
            }
            assertThat(get("/num?counter")).isEqualTo("4000");
            assertThat(workers).hasSizeGreaterThan(1);
        } finally {
            pool.shutdownNow();
        }
    }

    @Test
    void aLockHeldByAKilledWorkerIsReleased() throws Exception {
        long pid = Long.parseLong(get("/hold"));
        assertThat(await("/trylock", s -> s.equals("True"))).isEqualTo("True");
        Signals.send("KILL", pid);
        assertThat(await("/trylock", s -> s.startsWith("False"))).isEqualTo("False acquired");
    }

    @Test
    void aTimerFiresEverySecond() throws Exception {
        int first = Integer.parseInt(get("/num?ticks"));
        Thread.sleep(2500);
        int later = Integer.parseInt(get("/num?ticks"));
        assertThat(later - first).isBetween(2, 3);
    }

    @Test
    void theMuleReceivesEveryMessageInOrder() throws Exception {
        assertThat(get("/send?300")).isEqualTo("sent");
        String expected = IntStream.range(0, 300).mapToObj(Integer::toString).collect(Collectors.joining(","));
        assertThat(await("/seen", s -> s.split(",").length >= 300)).isEqualTo(expected);
    }

    @Test
    void lockDecoratorAndOptions() throws Exception {
        for (int i = 0; i < 20; i++) {
            get("/locked");
        }
        assertThat(get("/num?locked")).isEqualTo("20");
        String[] info = get("/info").split(" ");
        assertThat(Integer.parseInt(info[0])).isBetween(1, 4);
        assertThat(info[2]).isEqualTo("b'4'");
    }
}
