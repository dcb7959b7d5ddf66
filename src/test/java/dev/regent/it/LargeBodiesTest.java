package dev.regent.it;

import dev.regent.testkit.HttpConnection;
import dev.regent.testkit.HttpResponse;
import dev.regent.testkit.RegentProcess;
import dev.regent.testkit.RegentServer;
import dev.regent.testkit.ResponseHead;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;

import java.io.OutputStream;
import java.util.Arrays;
import java.util.zip.CRC32;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * 1 GiB up and 1 GiB down through a master whose heap is 64 MiB: it can only work if the master
 * streams bodies instead of buffering them.
 */
@Timeout(180)
class LargeBodiesTest {
    private static final long GIB = 1024L * 1024 * 1024;

    @RegisterExtension
    static final RegentServer SERVER = new RegentServer(RegentProcess.builder().app("basic.py")
            .jvmOptions("-Xmx64m", "-XX:MaxDirectMemorySize=64m"));

    @Test
    void aOneGibUploadIsStreamedToTheAppWhichCountsItAndChecksumsIt() throws Exception {
        byte[] piece = new byte[256 * 1024];
        Arrays.fill(piece, (byte) 0x5a);
        CRC32 crc = new CRC32();
        try (HttpConnection c = SERVER.connect()) {
            c.send("POST /upload HTTP/1.1\r\nHost: t\r\nContent-Length: " + GIB + "\r\n\r\n");
            OutputStream out = c.output();
            for (long sent = 0; sent < GIB; sent += piece.length) {
                out.write(piece);
                crc.update(piece);
            }
            out.flush();
            HttpResponse r = c.readResponse();
            assertThat(r.status()).isEqualTo(200);
            assertThat(r.bodyText()).isEqualTo(GIB + " " + crc.getValue());
        }
    }

    @Test
    void aOneGibGeneratorResponseIsStreamedToTheClientChunked() throws Exception {
        try (HttpConnection c = SERVER.connect()) {
            c.send("GET /download?mib=1024 HTTP/1.1\r\nHost: t\r\n\r\n");
            ResponseHead head = c.readHead();
            assertThat(head.status()).isEqualTo(200);
            assertThat(head.chunked()).isTrue();
            HttpConnection.BodyDigest body = c.consumeBody(head);
            CRC32 crc = new CRC32();
            byte[] mib = new byte[1024 * 1024];
            Arrays.fill(mib, (byte) 0xab);
            for (int i = 0; i < 1024; i++) {
                crc.update(mib);
            }
            assertThat(body.length()).isEqualTo(GIB);
            assertThat(body.crc32()).isEqualTo(crc.getValue());
        }
    }
}
