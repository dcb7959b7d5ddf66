package dev.regent.it.lifecycle;

import static org.assertj.core.api.Assertions.assertThat;

import dev.regent.testkit.HttpConnection;
import dev.regent.testkit.RegentProcess;
import dev.regent.testkit.RegentProcesses;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import java.nio.file.Path;
import java.time.Duration;

/** Reloads import the new code in a new generation; nothing is dropped, broken code changes nothing. */
class ReloadTest {
    private static final Duration WAIT = Duration.ofSeconds(40);

    @RegisterExtension
    final RegentProcesses masters = new RegentProcesses().stoppedAtTeardown();

    static String version(RegentProcess m) {
        try {
            return HttpConnection.exchange(m.port(), "GET /version HTTP/1.1\r\nHost: t\r\nConnection: close\r\n\r\n")
                    .bodyText();
        } catch (Exception e) {
            return "error: " + e;
        }
    }

    @Test
    void fiveReloadsInARowUnderLoadFailNoRequest() throws Exception {
        Path app = AppFiles.copy("v1");
        RegentProcess m = masters.start(RegentProcess.builder().args("--wsgi-file", app.toString(),
                "--processes", "2"));
        try (Load load = Load.start(m.port(), "/version", 4)) {
            Load.await(WAIT, "load running", () -> load.ok() > 10);
            for (int gen = 2; gen <= 6; gen++) {
                AppFiles.setVersion(app, "v" + gen);
                m.signal("HUP");
                int g = gen;
                Load.await(WAIT, "generation " + g + " ready", () -> m.log().contains("app ready (generation " + g));
            }
            Load.await(WAIT, "generation 5 retired", () -> m.log().contains("generation 5 retired"));
            Load.await(WAIT, "v6 served", () -> load.bodies().contains("v6"));
            long okNow = load.ok();
            Load.await(WAIT, "more requests on v6", () -> load.ok() > okNow + 10);
            load.close();
            assertThat(load.failures()).isEmpty();
        }
        assertThat(version(m)).isEqualTo("v6");
    }

    @Test
    void reloadsSentBackToBackWhileGenerationsAreStillImportingFailNoRequest() throws Exception {
        Path app = AppFiles.copy("v1");
        RegentProcess m = masters.start(RegentProcess.builder().args("--wsgi-file", app.toString(),
                "--processes", "2"));
        try (Load load = Load.start(m.port(), "/version", 4)) {
            Load.await(WAIT, "load running", () -> load.ok() > 10);
            AppFiles.setVersion(app, "v9");
            for (int i = 0; i < 5; i++) {
                m.signal("HUP");
                Thread.sleep(100);
            }
            Load.await(WAIT, "generation 6 ready", () -> m.log().contains("app ready (generation 6"));
            for (int gen = 1; gen <= 5; gen++) {
                int g = gen;
                Load.await(WAIT, "generation " + g + " retired", () -> m.log().contains("generation " + g + " retired"));
            }
            long okNow = load.ok();
            Load.await(WAIT, "more requests", () -> load.ok() > okNow + 10);
            load.close();
            assertThat(load.failures()).isEmpty();
        }
        assertThat(version(m)).isEqualTo("v9");
    }

    @Test
    void touchReloadReloads() throws Exception {
        Path app = AppFiles.copy("v1");
        Path trigger = app.resolveSibling("reload.trigger");
        AppFiles.touch(trigger);
        RegentProcess m = masters.start(RegentProcess.builder().args("--wsgi-file", app.toString(),
                "--touch-reload", trigger.toString(), "--touch-reload", app.resolveSibling("other").toString()));
        assertThat(version(m)).isEqualTo("v1");
        AppFiles.setVersion(app, "v2");
        AppFiles.touch(trigger);
        Load.await(WAIT, "v2 after touch-reload", () -> version(m).equals("v2"));
        assertThat(m.log()).contains("touch-reload received: graceful reload");
    }

    @Test
    void aReloadToBrokenCodeKeepsServingTheOldCode() throws Exception {
        Path app = AppFiles.copy("v1");
        RegentProcess m = masters.start(RegentProcess.builder().args("--wsgi-file", app.toString(),
                "--processes", "2"));
        assertThat(version(m)).isEqualTo("v1");
        AppFiles.breakIt(app);
        m.signal("HUP");
        Load.await(WAIT, "the aborted reload", () -> m.log().contains("reload aborted"));
        assertThat(m.log()).contains("SyntaxError", "the app failed to load (generation 2)");
        assertThat(version(m)).isEqualTo("v1");
        // Fixed code reloads normally afterwards.
        AppFiles.setVersion(app, "v3");
        m.signal("HUP");
        Load.await(WAIT, "v3 after the fix", () -> version(m).equals("v3"));
    }
}
