package dev.regent.protocol.environ;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufUtil;
import io.netty.buffer.Unpooled;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;

class EnvironWriterTest {

    private static final String PYTHON = "/usr/bin/python3";

    private static byte[] latin1(String s) {
        return s.getBytes(StandardCharsets.ISO_8859_1);
    }

    @Test
    void shortStringsUseTheOneByteLengthForm() {
        ByteBuf buf = Unpooled.buffer();
        new EnvironWriter().begin(buf).put(latin1("PATH_INFO"), latin1("/hi")).end();
        assertThat(ByteBufUtil.hexDump(buf)).isEqualTo("7b" + "7a09" + ByteBufUtil.hexDump(latin1("PATH_INFO"))
                + "7a03" + ByteBufUtil.hexDump(latin1("/hi")) + "30");
    }

    @Test
    void lengthsAbove255UseTheFourByteForm() {
        byte[] v255 = latin1("x".repeat(255));
        byte[] v256 = latin1("y".repeat(256));
        ByteBuf buf = Unpooled.buffer();
        new EnvironWriter().begin(buf).put(latin1("A"), v255).put(latin1("B"), v256).end();
        assertThat(buf.getByte(4)).isEqualTo((byte) 'z');
        assertThat(buf.getUnsignedByte(5)).isEqualTo((short) 255);
        int b = 1 + 3 + 2 + 255 + 3;
        assertThat(buf.getByte(b)).isEqualTo((byte) 'a');
        assertThat(buf.getIntLE(b + 1)).isEqualTo(256);
        assertThat(MarshalReader.readDict(buf)).containsEntry("A", "x".repeat(255)).containsEntry("B", "y".repeat(256));
    }

    @Test
    void headerKeysAreUpperCasedWithUnderscores() {
        ByteBuf src = Unpooled.copiedBuffer("x-Forwarded-for", StandardCharsets.US_ASCII);
        ByteBuf buf = Unpooled.buffer();
        EnvironWriter w = new EnvironWriter().begin(buf);
        w.putHeaderKey(src, 0, src.readableBytes()).putString(latin1("v"));
        w.end();
        assertThat(MarshalReader.readDict(buf)).containsExactly(Map.entry("HTTP_X_FORWARDED_FOR", "v"));
    }

    @Test
    void writingBeforeBeginIsAStateError() {
        assertThatThrownBy(() -> new EnvironWriter().putString(latin1("x")))
                .isInstanceOf(IllegalStateException.class).hasMessageStartingWith("state: ");
    }

    @Test
    void pythonMarshalReadsEveryByteAsTheLatin1CodePoint() throws Exception {
        assertThat(Files.isExecutable(Path.of(PYTHON))).as(PYTHON).isTrue();
        byte[] all = new byte[256];
        for (int i = 0; i < 256; i++) {
            all[i] = (byte) i;
        }
        ByteBuf buf = Unpooled.buffer();
        ByteBuf src = Unpooled.wrappedBuffer(all);
        new EnvironWriter().begin(buf)
                .put(latin1("ALL"), src, 0, 256)
                .put(latin1("HIGH"), src, 0x80, 0x80)
                .put(latin1("EMPTY"), new byte[0])
                .put(latin1("LONG"), latin1("\u00e9".repeat(70000)))
                .end();
        String script = "import marshal,sys\n"
                + "d = marshal.loads(sys.stdin.buffer.read())\n"
                + "assert type(d) is dict and all(type(k) is str and type(v) is str for k, v in d.items())\n"
                + "assert d['ALL'] == ''.join(map(chr, range(256))), ascii(d['ALL'])\n"
                + "assert d['HIGH'] == ''.join(map(chr, range(128, 256)))\n"
                + "assert d['EMPTY'] == '' and d['LONG'] == '\\u00e9' * 70000\n"
                + "assert d['ALL'].encode('latin-1') == bytes(range(256))\n"
                + "print('ok', len(d))\n";
        assertThat(runPython(script, ByteBufUtil.getBytes(buf))).isEqualTo("ok 4");
    }

    static String runPython(String script, byte[] stdin) throws IOException, InterruptedException {
        Process p = new ProcessBuilder(PYTHON, "-c", script).redirectErrorStream(true).start();
        try (OutputStream out = p.getOutputStream()) {
            out.write(stdin);
        }
        ByteArrayOutputStream result = new ByteArrayOutputStream();
        try (InputStream in = p.getInputStream()) {
            in.transferTo(result);
        }
        int rc = p.waitFor();
        String text = result.toString(StandardCharsets.UTF_8).strip();
        assertThat(rc).as(text).isZero();
        return text;
    }
}
