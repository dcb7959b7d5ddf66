package dev.regent.protocol.uwsgi;

import static dev.regent.protocol.uwsgi.UwsgiPackets.environBytes;
import static dev.regent.protocol.uwsgi.UwsgiPackets.feed;
import static dev.regent.protocol.uwsgi.UwsgiPackets.packet;
import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.regent.protocol.uwsgi.UwsgiDecodeResult.Decoded;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HexFormat;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/** The environ as CPython's marshal.loads reads it: native strings, one code point per byte. */
class UwsgiEnvironPythonTest {

    private static final Path PYTHON = Path.of("/usr/bin/python3");

    // Prints each item as hex(latin-1 key) "=" hex(latin-1 value), which checks both that the
    // values are str and that every byte became the code point of the same value.
    private static final String SCRIPT = "import marshal,sys\n"
            + "d = marshal.loads(sys.stdin.buffer.read())\n"
            + "assert type(d) is dict\n"
            + "for k, v in d.items():\n"
            + "    assert type(k) is str and type(v) is str\n"
            + "    print(k.encode('latin-1').hex() + '=' + v.encode('latin-1').hex())\n";

    @Test
    void marshalLoadsGivesTheSentBytesAsLatin1Strings() throws Exception {
        assumeTrue(Files.isExecutable(PYTHON), "needs " + PYTHON);
        String high = "caf\u00e9\u0080\u00ff";
        String big = "y".repeat(300);
        Decoded d = (Decoded) feed(packet(30, "SCRIPT_NAME", "/m", "PATH_INFO", "/m/\u00e9", "HTTP_X", high,
                "HTTP_BIG", big, "UWSGI_CHDIR", "/tmp")).result();
        byte[] environ = environBytes(d);
        d.head().environ().release();

        List<String> lines = runPython(environ);
        assertThat(lines).containsExactly(
                item("SCRIPT_NAME", "/m"),
                item("HTTP_X", high),
                item("HTTP_BIG", big),
                item("PATH_INFO", "/\u00e9"),
                item("QUERY_STRING", ""),
                item("SERVER_NAME", "10.0.0.1"),
                item("SERVER_PORT", "3031"),
                item("REMOTE_ADDR", "10.0.0.2"),
                item("wsgi.url_scheme", "http"));
    }

    private static String item(String key, String value) {
        HexFormat hex = HexFormat.of();
        return hex.formatHex(key.getBytes(StandardCharsets.ISO_8859_1)) + "="
                + hex.formatHex(value.getBytes(StandardCharsets.ISO_8859_1));
    }

    private static List<String> runPython(byte[] input) throws IOException, InterruptedException {
        Process p = new ProcessBuilder(PYTHON.toString(), "-c", SCRIPT).redirectErrorStream(true).start();
        try (var stdin = p.getOutputStream()) {
            stdin.write(input);
        }
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.US_ASCII);
        assertThat(p.waitFor(30, TimeUnit.SECONDS)).isTrue();
        assertThat(p.exitValue()).as(out).isZero();
        return out.lines().toList();
    }
}
