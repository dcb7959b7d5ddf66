package dev.regent.it.logging;

import static org.assertj.core.api.Assertions.assertThat;

import dev.regent.testkit.HttpResponse;
import dev.regent.testkit.RegentProcess;
import dev.regent.testkit.RegentServer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import java.util.Arrays;
import java.util.List;
import java.util.Optional;

/** Every log-format variable, as a real master writes it for a real request to a Python worker. */
class LogFormatThroughMasterTest {
    private static final List<String> VARS = List.of("method", "uri", "proto", "addr", "user", "host", "uagent",
            "referer", "status", "rsize", "hsize", "size", "cl", "micros", "msecs", "secs", "time", "tmsecs",
            "tmicros", "ltime", "ftime", "ctime", "epoch", "pid", "wid", "core", "vars", "headers", "pktsize",
            "var.HTTP_X_TRACE", "var.PATH_INFO", "a_logvar");

    @RegisterExtension
    static final RegentServer SERVER = new RegentServer(RegentProcess.builder().app("basic.py")
            .args("--log-x-forwarded-for", "--log-format", "LF|" + String.join("|",
                    VARS.stream().map(v -> "%(" + v + ")").toList())));

    @Test
    void everyVariable() throws Exception {
        long before = System.currentTimeMillis();
        String body = "hello";
        HttpResponse r = SERVER.exchange("POST /echo?q=1 HTTP/1.1\r\nHost: example.test\r\n"
                + "User-Agent: probe/1.0\r\nReferer: http://from/\r\nX-Forwarded-For: 198.51.100.4\r\n"
                + "X-Trace: tr-9\r\nContent-Length: " + body.length() + "\r\nConnection: close\r\n\r\n" + body);
        assertThat(r.status()).isEqualTo(200);
        long after = System.currentTimeMillis();
        String workerPid = SERVER.get("/pid").bodyText();

        String line = awaitLine("LF|POST|").orElseThrow(() -> new AssertionError("no line in:\n"
                + SERVER.process().log()));
        String[] f = line.substring(3).split("\\|", -1);
        assertThat(f).hasSize(VARS.size());
        assertThat(Arrays.asList(f).subList(0, 9)).containsExactly("POST", "/echo?q=1", "HTTP/1.1", "198.51.100.4",
                "-", "example.test", "probe/1.0", "http://from/", "200");
        assertThat(f[9]).isEqualTo("5");
        long hsize = Long.parseLong(f[10]);
        assertThat(hsize).isBetween(40L, 300L);
        assertThat(f[11]).isEqualTo(Long.toString(hsize + 5));
        assertThat(f[12]).isEqualTo("5");
        long micros = Long.parseLong(f[13]);
        assertThat(micros).isPositive().isLessThan((after - before + 1) * 1000);
        assertThat(f[14]).isEqualTo(Long.toString(micros / 1000));
        assertThat(f[15]).matches("\\d+\\.\\d{6}");
        long tmicros = Long.parseLong(f[18]);
        assertThat(tmicros / 1000).isBetween(before - 1, after);
        assertThat(f[16]).isEqualTo(Long.toString(tmicros / 1_000_000));
        assertThat(f[17]).isEqualTo(Long.toString(tmicros / 1000));
        assertThat(f[19]).matches("\\d\\d/\\w{3}/\\d{4}:\\d\\d:\\d\\d:\\d\\d [+-]\\d{4}");
        assertThat(f[20]).isEqualTo(f[19]);
        assertThat(f[21]).matches("\\w{3} \\w{3} [ \\d]\\d \\d\\d:\\d\\d:\\d\\d \\d{4}");
        assertThat(Long.parseLong(f[22])).isBetween(before / 1000, after / 1000 + 60);
        assertThat(f[23]).isEqualTo(workerPid);
        assertThat(f[24]).isEqualTo("1");
        assertThat(f[25]).isEqualTo("0");
        assertThat(Integer.parseInt(f[26])).isGreaterThan(10);
        // Content-Type and Content-Length from the app
        assertThat(f[27]).isEqualTo("2");
        assertThat(Integer.parseInt(f[28])).isGreaterThan(100);
        assertThat(f[29]).isEqualTo("tr-9");
        assertThat(f[30]).isEqualTo("/echo");
        assertThat(f[31]).isEqualTo("-");
    }

    private static Optional<String> awaitLine(String prefix) throws InterruptedException {
        long deadline = System.nanoTime() + 60_000_000_000L;
        while (System.nanoTime() < deadline) {
            Optional<String> line = SERVER.process().log().lines().filter(l -> l.startsWith(prefix)).findFirst();
            if (line.isPresent()) {
                return line;
            }
            Thread.sleep(50);
        }
        return Optional.empty();
    }
}
