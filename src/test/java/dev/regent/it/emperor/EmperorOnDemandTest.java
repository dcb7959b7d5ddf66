package dev.regent.it.emperor;

import dev.regent.testkit.HttpResponse;
import org.junit.jupiter.api.Test;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * On-demand vassals (idle: sockets bound at once, the server and its Python processes start on
 * the first connection, which waits and is served, and stop again after idle seconds), Host
 * routing with exact and wildcard domains, vassals-inherit, and the stats document.
 */
class EmperorOnDemandTest {

    @Test
    void onDemandVassalsWakeOnTheFirstRequestAndGoBackToZeroAndHostsRouteWithWildcards() throws Exception {
        Path dir = Files.createTempDirectory("regent-emperor-od-");
        Path vassals = Files.createDirectories(dir.resolve("vassals"));
        Path app = dir.resolve("app.py");
        Files.writeString(app, EmperorLifecycleTest.APP);
        // The template makes every vassal on demand with a short idle time.
        Path template = dir.resolve("template.ini");
        Files.writeString(template, "[uwsgi]\nidle = 2\n");
        Files.writeString(vassals.resolve("lazy.ini"), EmperorLifecycleTest.vassal(dir, "lazy", app.toString(),
                "domain = *.apps.test"));
        Files.writeString(vassals.resolve("www.yaml"), """
                uwsgi:
                  http-socket: %s
                  wsgi-file: %s
                  env: VASSAL=www
                  python: %s
                  domain: WWW.Example.test
                """.formatted(dir.resolve("www.sock"), app, EmperorProcess.PYTHON));
        try (EmperorProcess emperor = EmperorProcess.start(vassals, "--vassals-inherit", template.toString())) {
            String lazy = emperor.awaitVassal("lazy.ini", v -> v.contains("\"state\":\"idle\""),
                    Duration.ofSeconds(10));
            assertThat(lazy).contains("\"on_demand\":1").contains("\"workers\":0");
            assertThat(Files.exists(dir.resolve("lazy.sock"))).as("the socket is bound before any request").isTrue();
            assertThat(pythonProcesses(emperor)).as("no Python process before the first request").isZero();

            long t0 = System.nanoTime();
            HttpResponse first = emperor.get("a.apps.test");
            long wakeMillis = (System.nanoTime() - t0) / 1_000_000;
            assertThat(first.status()).isEqualTo(200);
            assertThat(first.bodyText()).startsWith("lazy v1");
            System.out.println("on-demand wake: first response after " + wakeMillis + " ms");

            // routing: wildcard depth, exact match with port and case, the bare parent domain is not a match
            assertThat(emperor.get("x.y.apps.test").bodyText()).startsWith("lazy v1");
            assertThat(emperor.get("www.example.TEST:8080").bodyText()).startsWith("www v1");
            assertThat(emperor.get("apps.test").status()).isEqualTo(404);
            assertThat(emperor.get("unknown.example").status()).isEqualTo(404);

            String awake = emperor.vassal("lazy.ini");
            assertThat(awake).contains("\"state\":\"ready\"").contains("\"workers\":1");
            assertThat(awake).containsPattern("\"requests\":[2-9]");

            // idle = 2 s: back to zero, Python processes gone, socket still there
            emperor.awaitVassal("lazy.ini", v -> v.contains("\"state\":\"idle\""), Duration.ofSeconds(15));
            emperor.awaitVassal("www.yaml", v -> v.contains("\"state\":\"idle\""), Duration.ofSeconds(15));
            long deadline = System.nanoTime() + Duration.ofSeconds(10).toNanos();
            while (pythonProcesses(emperor) > 0 && System.nanoTime() < deadline) {
                Thread.sleep(100);
            }
            assertThat(pythonProcesses(emperor)).isZero();
            assertThat(Files.exists(dir.resolve("lazy.sock"))).isTrue();

            // and wakes again, also through its own Unix socket
            assertThat(EmperorLifecycleTest.overUnixSocket(dir.resolve("lazy.sock"))).contains("lazy v1");

            String doc = emperor.stats();
            assertThat(doc).startsWith("{\"version\":").contains("\"vassals\":[").contains("\"emperor\":[");
            assertThat(emperor.stop()).isEqualTo(0);
            assertThat(emperor.leftovers()).isEmpty();
        }
    }

    private static long pythonProcesses(EmperorProcess emperor) {
        emperor.sample();
        return ProcessHandle.of(emperor.pid()).map(p -> p.descendants().count()).orElse(0L);
    }
}
