package dev.regent.it.api;

import static org.assertj.core.api.Assertions.assertThat;

import dev.regent.testkit.RegentProcess;
import dev.regent.testkit.RegentServer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.stream.Collectors;
import java.util.stream.IntStream;

/** Debian's unmodified python3-uwsgidecorators on top of Regent's uwsgi module: @timer, @mulefunc, @lock. */
class StockDecoratorsTest {
    private static final Path STOCK = Path.of("/usr/lib/python3/dist-packages/uwsgidecorators.py");

    @RegisterExtension
    static final RegentServer SERVER = new RegentServer(RegentProcess.builder().app("uwsgi_api_app.py")
            .env("REGENT_TEST_STOCK_DECORATORS", "1")
            .args("--processes", "2", "--cache2", "name=c,items=100,blocksize=4096", "--locks", "2", "--mule"));

    @Test
    void timerMulefuncAndLock() throws Exception {
        org.junit.jupiter.api.Assumptions.assumeTrue(Files.exists(STOCK), "python3-uwsgidecorators is not installed");
        assertThat(SERVER.get("/send?50").bodyText()).isEqualTo("sent");
        String expected = IntStream.range(0, 50).mapToObj(Integer::toString).collect(Collectors.joining(","));
        long deadline = System.nanoTime() + 10_000_000_000L;
        String seen = "";
        while (!seen.equals(expected) && System.nanoTime() < deadline) {
            Thread.sleep(50);
            seen = SERVER.get("/seen").bodyText();
        }
        assertThat(seen).isEqualTo(expected);
        for (int i = 0; i < 10; i++) {
            SERVER.get("/locked");
        }
        assertThat(SERVER.get("/num?locked").bodyText()).isEqualTo("10");
        Thread.sleep(1500);
        assertThat(Integer.parseInt(SERVER.get("/num?ticks").bodyText())).isGreaterThanOrEqualTo(1);
    }
}
