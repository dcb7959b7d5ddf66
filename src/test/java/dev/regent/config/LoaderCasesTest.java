package dev.regent.config;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.TestFactory;

/**
 * Runs every {@code src/test/resources/config/cases/*.case}: one small fixture per loader rule.
 * A case gives {@code args:} (command line; {@code --print-config} is added) and {@code env:} lines,
 * then either {@code expect:} lines that must each appear in the printed configuration, or
 * {@code error:} lines that must be the whole error output; {@code warning:} lines must be the
 * exact warnings. {@code {dir}} is the cases directory as a relative path, {@code {abs}} as an
 * absolute one, {@code {cpus}} the processor count.
 */
class LoaderCasesTest {

    static final Path DIR = Path.of("src/test/resources/config/cases");

    @TestFactory
    Stream<DynamicTest> cases() throws IOException {
        try (Stream<Path> files = Files.list(DIR)) {
            return files.filter(p -> p.toString().endsWith(".case")).sorted().toList().stream()
                    .map(p -> DynamicTest.dynamicTest(p.getFileName().toString(), () -> run(p)));
        }
    }

    private static void run(Path caseFile) throws IOException {
        List<String> args = new ArrayList<>();
        Map<String, String> env = new HashMap<>();
        List<String> expect = new ArrayList<>();
        List<String> errors = new ArrayList<>();
        List<String> expectedWarnings = new ArrayList<>();
        for (String line : Files.readAllLines(caseFile)) {
            String value = line.contains(": ") ? substitute(line.substring(line.indexOf(": ") + 2)) : "";
            if (line.startsWith("args: ")) {
                args.addAll(Arrays.asList(value.split(" ")));
            } else if (line.startsWith("env: ")) {
                env.put(value.substring(0, value.indexOf('=')), value.substring(value.indexOf('=') + 1));
            } else if (line.startsWith("expect: ")) {
                expect.add(value);
            } else if (line.startsWith("error: ")) {
                errors.add(value);
            } else if (line.startsWith("warning: ")) {
                expectedWarnings.add(value);
            }
        }
        args.add("--print-config");
        List<String> warnings = new ArrayList<>();
        LoadResult result = ConfigLoader.load(args.toArray(String[]::new), env, warnings);
        if (errors.isEmpty()) {
            assertThat(result).as("result").isInstanceOf(LoadResult.Exit.class);
            LoadResult.Exit exit = (LoadResult.Exit) result;
            assertThat(exit.code()).as(exit.output()).isZero();
            assertThat(exit.output().lines().toList()).containsAll(expect);
        } else {
            assertThat(result).isEqualTo(new LoadResult.Exit(1, String.join("\n", errors)));
        }
        assertThat(warnings).containsExactlyElementsOf(expectedWarnings);
    }

    private static String substitute(String s) {
        return s.replace("{dir}", DIR.toString())
                .replace("{abs}", DIR.toAbsolutePath().normalize().toString())
                .replace("{cpus}", Integer.toString(Runtime.getRuntime().availableProcessors()));
    }
}
