package dev.regent.protocol.uwsgi;

import static org.assertj.core.api.Assertions.assertThat;

import dev.regent.protocol.uwsgi.UwsgiDecodeResult.Decoded;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * The worker's decoder for uwsgi packets it accepts itself (python/regent/uwsgi_packet.py) and the
 * master's must agree on every packet: the same environ, body length and status-line prefix,
 * and a refusal for exactly the same packets. Seeded packets, mostly broken, as in
 * {@link UwsgiDecoderFuzzTest}, plus the corner cases named below.
 */
class DirectDecoderParityTest {

    private static final Path PYTHON = Path.of("/usr/bin/python3");
    private static final long SEED = 0x5EED_D1EC7L;
    private static final int CASES = 3000;

    // Reads "WARM PACKET" hex lines; prints NEED_MORE, REJECT, or the outcome of decode_packet for
    // PACKET. WARM ("-" for none) is decoded first, often enough for the worker to adopt its keys as
    // the template, so that PACKET takes the template path; the last line counts the packets that did.
    private static final String SCRIPT = String.join("\n",
            "import sys",
            "sys.path.insert(0, sys.argv[1])",
            "from regent import uwsgi_packet",
            "local = lambda: ('10.0.0.1', '3031')",
            "hits = 0",
            "for line in sys.stdin:",
            "    warm, _, packet = line.strip().partition(' ')",
            "    template = bytes.fromhex(warm) if warm != '-' else b''",
            "    if len(template) >= 4 and len(template) >= 4 + (template[1] | template[2] << 8):",
            "        for _ in range(4):",
            "            try:",
            "                uwsgi_packet.decode_packet(template, local, '10.0.0.2', {})",
            "            except uwsgi_packet.PacketError:",
            "                pass",
            "    data = bytes.fromhex(packet)",
            "    if len(data) >= 4 and uwsgi_packet.header_error(data, 65536) is not None:",
            "        print('REJECT'); continue",
            "    if len(data) < 4 or len(data) < 4 + (data[1] | data[2] << 8):",
            "        print('NEED_MORE'); continue",
            "    try:",
            "        env, length, prefix = uwsgi_packet.decode_packet(data, local, '10.0.0.2', {})",
            "    except uwsgi_packet.PacketError:",
            "        print('REJECT'); continue",
            "    hits += warm != '-' and uwsgi_packet._template_misses == 0",
            "    env.pop('wsgi.input', None)  # the caller's to set; the template path leaves a place for it",
            "    items = ' '.join(k.encode('latin-1').hex() + '=' + v.encode('latin-1').hex()"
                    + " for k, v in sorted(env.items()))",
            "    print('OK', length, prefix.strip(), items)",
            "print('HITS', hits)",
            "");

    @Test
    @Timeout(value = 120, unit = TimeUnit.SECONDS)
    void workerAndMasterDecodeEveryPacketAlike() throws Exception {
        Random random = new Random(SEED);
        List<byte[]> packets = new ArrayList<>();
        List<byte[]> templates = new ArrayList<>();
        for (byte[] corner : corners()) {
            packets.add(corner);
            templates.add(corner);
        }
        for (int i = 0; i < CASES; i++) {
            byte[] valid = UwsgiDecoderFuzzTest.validPacket(random);
            packets.add(i % 3 == 0 ? valid : UwsgiDecoderFuzzTest.mutate(random, valid));
            templates.add(valid);
        }
        List<String> expected = new ArrayList<>();
        for (byte[] p : packets) {
            expected.add(master(p));
        }
        // Cold: each packet decoded as it comes (random key sets rarely repeat).
        Result cold = python(packets, null);
        // Warm: each packet right after its own valid original was adopted as the template, so
        // the template path meets every mutation of lengths and keys it must refuse or decode.
        Result warm = python(packets, templates);
        for (Result actual : List.of(cold, warm)) {
            assertThat(actual.lines()).hasSameSizeAs(expected);
            int decoded = 0;
            int rejected = 0;
            for (int i = 0; i < packets.size(); i++) {
                assertThat(actual.lines().get(i)).as("packet " + HexFormat.of().formatHex(packets.get(i)))
                        .isEqualTo(expected.get(i));
                decoded += expected.get(i).startsWith("OK") ? 1 : 0;
                rejected += expected.get(i).equals("REJECT") ? 1 : 0;
            }
            // Both kinds must really be exercised, or the comparison proves little.
            assertThat(decoded).isGreaterThan(CASES / 4);
            assertThat(rejected).isGreaterThan(CASES / 10);
        }
        assertThat(warm.templateHits()).isGreaterThan(CASES / 4);
    }

    private record Result(List<String> lines, int templateHits) {
    }

    /** Duplicates, magic variables, modifier 30, HTTPS spellings, odd lengths, huge CONTENT_LENGTH. */
    private static List<byte[]> corners() {
        return List.of(
                UwsgiPackets.packet(0, "REMOTE_ADDR", "1.1.1.1", "REMOTE_ADDR", "2.2.2.2", "PATH_INFO", "/a",
                        "PATH_INFO", "/b"),
                UwsgiPackets.packet(0, "UWSGI_SCRIPT", "evil", "UWSGI_CHDIR", "/", "HTTP_X", "1"),
                UwsgiPackets.packet(30, "SCRIPT_NAME", "/m", "PATH_INFO", "/m/x"),
                UwsgiPackets.packet(30, "SCRIPT_NAME", "/m", "PATH_INFO", "/other"),
                UwsgiPackets.packet(0, "HTTPS", "ON", "SERVER_PROTOCOL", "HTTP/1.1"),
                UwsgiPackets.packet(0, "HTTPS", "1", "UWSGI_SCHEME", "http"),
                UwsgiPackets.packet(0, "UWSGI_SCHEME", "HTTPS", "SERVER_PROTOCOL", "HTTP/9.9"),
                UwsgiPackets.packet(0, "CONTENT_LENGTH", "12abc", "SERVER_PROTOCOL", "HTTP/2.0"),
                UwsgiPackets.packet(0, "CONTENT_LENGTH", "99999999999999999999"),
                UwsgiPackets.packet(0, "CONTENT_LENGTH", "9223372036854775807"),
                UwsgiPackets.packet(0, "CONTENT_LENGTH", "\u0662"),
                UwsgiPackets.packet(0, "wsgi.url_scheme", "https", "QUERY_STRING", "a=1"),
                UwsgiPackets.packet(0, "HTTP_X", "caf\u00e9\u0080\u00ff\r\n"),
                UwsgiPackets.packet(0),
                UwsgiPackets.packet(7, "A", "b"),
                UwsgiPackets.raw(0, 3, 0, new byte[] {1, 0, 'A'}),
                UwsgiPackets.raw(0, 5, 0, new byte[] {0, 0, 1, 0, 'x'}),
                UwsgiPackets.raw(0, 6, 0, new byte[] {1, 0, 'A', 9, 0, 'x', 'y'}));
    }

    private static String master(byte[] packet) {
        UwsgiPackets.Fed fed = UwsgiPackets.feed(new UwsgiRequestDecoder(), packet,
                Math.max(1, packet.length));
        UwsgiDecodeResult r = fed.result();
        if (r == UwsgiDecodeResult.NEED_MORE) {
            return "NEED_MORE";
        }
        if (!(r instanceof Decoded d)) {
            return "REJECT";
        }
        Map<String, String> environ = new TreeMap<>(UwsgiPackets.loadMarshal(UwsgiPackets.environBytes(d)));
        d.head().environ().release();
        HexFormat hex = HexFormat.of();
        StringBuilder sb = new StringBuilder("OK ").append(Math.max(0, d.head().contentLength())).append(' ')
                .append(d.statusLinePrefix().toString().strip()).append(' ');
        List<String> items = new ArrayList<>();
        environ.forEach((k, v) -> items.add(hex.formatHex(k.getBytes(StandardCharsets.ISO_8859_1)) + "="
                + hex.formatHex(v.getBytes(StandardCharsets.ISO_8859_1))));
        return sb.append(String.join(" ", items)).toString();
    }

    private static Result python(List<byte[]> packets, List<byte[]> templates)
            throws IOException, InterruptedException {
        Path input = Files.createTempFile("parity", ".hex");
        Path errors = Files.createTempFile("parity", ".err");
        try {
            HexFormat hex = HexFormat.of();
            StringBuilder sb = new StringBuilder();
            for (int i = 0; i < packets.size(); i++) {
                sb.append(templates == null ? "-" : hex.formatHex(templates.get(i))).append(' ')
                        .append(hex.formatHex(packets.get(i))).append('\n');
            }
            Files.writeString(input, sb);
            Process p = new ProcessBuilder(PYTHON.toString(), "-c", SCRIPT, Path.of("python").toAbsolutePath().toString())
                    .redirectInput(input.toFile()).redirectError(errors.toFile()).start();
            String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.US_ASCII);
            assertThat(p.waitFor(60, TimeUnit.SECONDS)).isTrue();
            assertThat(p.exitValue()).as(() -> tail(errors)).isZero();
            List<String> lines = new ArrayList<>(out.lines().toList());
            String last = lines.remove(lines.size() - 1);
            assertThat(last).startsWith("HITS ");
            return new Result(lines, Integer.parseInt(last.substring(5)));
        } finally {
            Files.deleteIfExists(input);
            Files.deleteIfExists(errors);
        }
    }

    private static String tail(Path file) {
        try {
            String text = Files.readString(file, StandardCharsets.ISO_8859_1);
            return text.substring(Math.max(0, text.length() - 4000));
        } catch (IOException e) {
            return "(stderr unreadable: " + e + ")";
        }
    }
}
