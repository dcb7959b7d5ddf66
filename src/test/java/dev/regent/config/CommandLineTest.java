package dev.regent.config;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class CommandLineTest {

    static ServerConfig run(String... argv) {
        LoadResult r = ConfigLoader.load(argv, Map.of(), new java.util.ArrayList<>());
        assertThat(r).isInstanceOf(LoadResult.Run.class);
        return ((LoadResult.Run) r).config();
    }

    static String fail(String... argv) {
        LoadResult r = ConfigLoader.load(argv, Map.of(), new java.util.ArrayList<>());
        assertThat(r).isInstanceOf(LoadResult.Exit.class);
        assertThat(((LoadResult.Exit) r).code()).isEqualTo(1);
        return ((LoadResult.Exit) r).output();
    }

    @Test
    void sentryCommandLine() {
        ServerConfig c = run("-s", "127.0.0.1:9000", "--need-app", "--disable-logging", "--wsgi-file",
                "app/wsgi.py", "--processes", "1", "--threads", "10");
        assertThat(c.sockets()).containsExactly(new SocketSpec(SocketSpec.Protocol.UWSGI, "127.0.0.1:9000"));
        assertThat(c.app().needApp()).isTrue();
        assertThat(c.logging().disableLogging()).isTrue();
        assertThat(c.app().wsgiFile()).isEqualTo("app/wsgi.py");
        assertThat(c.processes()).isEqualTo(1);
        assertThat(c.threads()).isEqualTo(10);
    }

    @Test
    void defaults() {
        ServerConfig c = run("--http-socket", ":8080");
        assertThat(c.listen()).isEqualTo(100);
        assertThat(c.bufferSize()).isEqualTo(65536);
        assertThat(c.headerTimeout()).isEqualTo(Duration.ofSeconds(10));
        assertThat(c.keepaliveTimeout()).isEqualTo(Duration.ofSeconds(15));
        assertThat(c.workerReloadMercy()).isEqualTo(Duration.ofSeconds(60));
        assertThat(c.harakiri()).isEqualTo(Duration.ZERO);
        assertThat(c.dieOnTerm()).isTrue();
        assertThat(c.vacuum()).isTrue();
        assertThat(c.app().python()).isEqualTo("python3");
        assertThat(c.app().callable()).isEqualTo("application");
        assertThat(c.app().needApp()).isTrue();
        assertThat(c.logging().log4xx()).isTrue();
        assertThat(c.logging().log5xx()).isTrue();
        assertThat(c).isEqualTo(ServerConfig.defaults()
                .withSockets(List.of(new SocketSpec(SocketSpec.Protocol.HTTP, ":8080"))));
    }

    @Test
    void noSocket() {
        assertThat(fail("--processes", "2")).isEqualTo(Messages.noSocket());
    }
}
