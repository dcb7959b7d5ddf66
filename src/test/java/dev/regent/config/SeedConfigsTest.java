package dev.regent.config;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * The published configurations Regent must accept. Options of these files that are not
 * implemented yet must fail exactly as "not implemented yet", and nothing else: the expected
 * output is computed from the option table, so flipping a row to IMPLEMENTED (or
 * ACCEPTED_NO_EFFECT) updates these tests by itself. When nothing is left, the file must load.
 */
class SeedConfigsTest {

    static final String DIR = "src/test/resources/config/";

    static LoadResult load(String... argv) {
        return ConfigLoader.load(argv, Map.of(), new ArrayList<>());
    }

    /** What loading {@code file} must print: one "not implemented yet" per such option, in file order. */
    static List<String> notImplementedLines(String file) throws IOException {
        List<String> lines = Files.readAllLines(Path.of(file));
        List<String> expected = new ArrayList<>();
        for (int i = 0; i < lines.size(); i++) {
            String line = lines.get(i).strip();
            if (line.isEmpty() || line.startsWith(";") || line.startsWith("[") || !line.contains("=")) {
                continue;
            }
            Option o = OptionTable.find(line.substring(0, line.indexOf('=')).strip()).orElseThrow();
            if (o.status() == Option.Status.NOT_YET_IMPLEMENTED) {
                expected.add(Messages.notImplemented(o.name(), Source.file(file, i + 1)));
            }
        }
        return expected;
    }

    static void assertOnlyNotImplemented(LoadResult result, String file) throws IOException {
        List<String> expected = notImplementedLines(file);
        if (expected.isEmpty()) {
            assertThat(result).isInstanceOf(LoadResult.Run.class);
        } else {
            assertThat(result).isEqualTo(new LoadResult.Exit(1, String.join("\n", expected)));
        }
    }

    @Test
    void bloombergAsPublishedIsRefusedWithTheSpellingHint() {
        assertThat(load("--http-socket", ":8080", DIR + "bloomberg-production.ini")).isEqualTo(new LoadResult.Exit(1,
                "unknown option \"py-callos-afterfork\" (" + DIR + "bloomberg-production.ini:13); "
                        + "did you mean py-call-osafterfork?"));
    }

    @Test
    void bloombergCorrectedFailsOnlyOnOptionsNotImplementedYet() throws IOException {
        String file = DIR + "bloomberg-corrected.ini";
        assertOnlyNotImplemented(load("--http-socket", ":8080", "--ini", file), file);
    }

    @Test
    void pythonAnywhereVassalFailsOnlyOnOptionsNotImplementedYet() throws IOException {
        String file = DIR + "pythonanywhere-vassal.ini";
        assertOnlyNotImplemented(load(file), file);
    }

    @Test
    void sentryCommandLine() {
        LoadResult r = load("-s", "127.0.0.1:9000", "--need-app", "--disable-logging", "--wsgi-file", "app/wsgi.py",
                "--processes", "1", "--threads", "10");
        ServerConfig c = ((LoadResult.Run) r).config();
        assertThat(c.sockets()).containsExactly(new SocketSpec(SocketSpec.Protocol.UWSGI, "127.0.0.1:9000"));
        assertThat(c.app().needApp()).isTrue();
        assertThat(c.logging().disableLogging()).isTrue();
        assertThat(c.app().wsgiFile()).isEqualTo("app/wsgi.py");
        assertThat(c.processes()).isEqualTo(1);
        assertThat(c.threads()).isEqualTo(10);
    }
}
