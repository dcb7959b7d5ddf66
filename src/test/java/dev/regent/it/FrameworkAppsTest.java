package dev.regent.it;

import dev.regent.testkit.HttpResponse;
import dev.regent.testkit.HttpConnection;
import dev.regent.testkit.RegentProcess;
import dev.regent.testkit.RegentProcesses;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import static org.assertj.core.api.Assertions.assertThat;

/** Real framework apps (Debian's python3-flask and python3-django) served unchanged. */
class FrameworkAppsTest {
    @RegisterExtension
    final RegentProcesses regents = new RegentProcesses().stoppedAtTeardown();

    @Test
    void aFlaskAppAnswersWithItsBodyAndJson() throws Exception {
        RegentProcess regent = regents.start(RegentProcess.builder().app("flask_app.py").args("--processes", "2"));
        HttpResponse index = get(regent, "/");
        assertThat(index.status()).isEqualTo(200);
        assertThat(index.bodyText()).isEqualTo("Hello from Flask");
        HttpResponse json = get(regent, "/json/ada");
        assertThat(json.header("Content-Type")).contains("application/json");
        assertThat(json.bodyText()).contains("\"name\":\"ada\"").contains("\"greeting\":\"hello\"");
        assertThat(get(regent, "/missing").status()).isEqualTo(404);
    }

    @Test
    void aDjangoProjectAnswersThroughItsUrlsViewAndTemplate() throws Exception {
        RegentProcess regent = regents.start(RegentProcess.builder().app("djsite/wsgi.py"));
        HttpResponse hello = get(regent, "/hello/ada");
        assertThat(hello.status()).isEqualTo(200);
        assertThat(hello.bodyText()).isEqualTo("<p>Hello ada from Django (GET)</p>\n");
        assertThat(hello.header("Content-Type")).contains("text/html; charset=utf-8");
        assertThat(get(regent, "/nowhere").status()).isEqualTo(404);
    }

    private static HttpResponse get(RegentProcess regent, String path) throws Exception {
        return HttpConnection.exchange(regent.port(), "GET " + path + " HTTP/1.1\r\nHost: localhost\r\n\r\n");
    }
}
