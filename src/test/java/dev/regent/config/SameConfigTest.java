package dev.regent.config;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The same settings written for each loader give the same configuration. */
class SameConfigTest {

    static final String DIR = "src/test/resources/config/same/";

    /**
     * {@code uwsgi.opt} keeps each value as its source wrote it (a CLI flag is {@code 1}, an ini
     * value its text), as uWSGI does, so that one field legitimately differs between loaders.
     */
    static void assertSame(ServerConfig actual, ServerConfig expected) {
        assertThat(actual).usingRecursiveComparison().ignoringFields("api.options").isEqualTo(expected);
    }

    static ServerConfig load(Map<String, String> env, String... argv) {
        LoadResult r = ConfigLoader.load(argv, env, new ArrayList<>());
        assertThat(r).isInstanceOf(LoadResult.Run.class);
        return ((LoadResult.Run) r).config();
    }

    @Test
    void everyLoaderGivesTheSameConfig() {
        ServerConfig ini = load(Map.of(), DIR + "app.ini");
        assertSame(load(Map.of(), "--yaml", DIR + "app.yaml"), ini);
        assertSame(load(Map.of(), "-j", DIR + "app.json"), ini);
        assertSame(load(Map.of(), "--http-socket", ":8080", "-s", "/tmp/app.sock", "-p", "4", "--threads=8",
                "-w", "myapp.wsgi:app", "--pythonpath", "/srv/a", "--pp", "/srv/b", "--env", "LANG=C.UTF-8",
                "--env", "TZ=UTC", "-t", "30", "--lazy-apps", "-L", "-b", "32768", "--pidfile", "/run/app.pid"), ini);
        // the environment holds one value per option, so the lists come from the command line
        assertSame(load(Map.of("UWSGI_HTTP_SOCKET", ":8080", "UWSGI_PROCESSES", "4", "REGENT_THREADS", "8",
                        "UWSGI_MODULE", "myapp.wsgi:app", "UWSGI_HARAKIRI", "30", "UWSGI_LAZY_APPS", "true",
                        "UWSGI_DISABLE_LOGGING", "1", "UWSGI_BUFFER_SIZE", "32768", "UWSGI_PIDFILE", "/run/app.pid"),
                "-s", "/tmp/app.sock", "--pythonpath", "/srv/a", "--pythonpath", "/srv/b",
                "--env", "LANG=C.UTF-8", "--env", "TZ=UTC"), ini);
    }

    @Test
    void theIniGivesWhatItSays() {
        ServerConfig c = load(Map.of(), DIR + "app.ini");
        assertThat(c.sockets()).containsExactly(new SocketSpec(SocketSpec.Protocol.HTTP, ":8080"),
                new SocketSpec(SocketSpec.Protocol.UWSGI, "/tmp/app.sock"));
        assertThat(c.processes()).isEqualTo(4);
        assertThat(c.threads()).isEqualTo(8);
        assertThat(c.app().module()).isEqualTo("myapp.wsgi:app");
        assertThat(c.app().pythonpath()).isEqualTo(List.of("/srv/a", "/srv/b"));
        assertThat(c.app().env()).isEqualTo(Map.of("LANG", "C.UTF-8", "TZ", "UTC"));
        assertThat(c.harakiri()).isEqualTo(Duration.ofSeconds(30));
        assertThat(c.app().lazyApps()).isTrue();
        assertThat(c.logging().disableLogging()).isTrue();
        assertThat(c.bufferSize()).isEqualTo(32768);
        assertThat(c.pidfile()).isEqualTo("/run/app.pid");
    }

    @Test
    void defaultsAreRegents() {
        ServerConfig c = load(Map.of(), "--http-socket", ":8080");
        assertSame(c, ServerConfig.defaults().withSockets(List.of(new SocketSpec(SocketSpec.Protocol.HTTP, ":8080"))));
        assertThat(c.listen()).isEqualTo(100);
        assertThat(c.bufferSize()).isEqualTo(65536);
        assertThat(c.limitPost()).isZero();
        assertThat(c.headerTimeout()).isEqualTo(Duration.ofSeconds(10));
        assertThat(c.keepaliveTimeout()).isEqualTo(Duration.ofSeconds(15));
        assertThat(c.workerReloadMercy()).isEqualTo(Duration.ofSeconds(60));
        assertThat(c.harakiri()).isEqualTo(Duration.ZERO);
        assertThat(c.dieOnTerm()).isTrue();
        assertThat(c.vacuum()).isTrue();
        assertThat(c.app().python()).isEqualTo("python3");
        assertThat(c.app().callable()).isEqualTo("application");
        assertThat(c.app().needApp()).isTrue();
        assertThat(c.app().lazyApps()).isFalse();
        assertThat(c.logging()).isEqualTo(new LogSpec(false, true, true, null));
        assertThat(c.processes()).isEqualTo(1);
        assertThat(c.threads()).isEqualTo(1);
    }
}
