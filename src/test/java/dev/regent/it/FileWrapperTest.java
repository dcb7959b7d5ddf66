package dev.regent.it;

import dev.regent.testkit.HttpResponse;
import dev.regent.testkit.RegentProcess;
import dev.regent.testkit.RegentServer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Random;

import static org.assertj.core.api.Assertions.assertThat;

/** wsgi.file_wrapper over a real file goes out through the master's sendfile path. */
class FileWrapperTest {
    @RegisterExtension
    static final RegentServer SERVER = new RegentServer(RegentProcess.builder().app("basic.py"));

    @Test
    void aFileWrapperResponseHasTheFilesExactBytesAndContentLength(@TempDir Path dir) throws Exception {
        byte[] content = new byte[3 * 1024 * 1024 + 17];
        new Random(42).nextBytes(content);
        Path file = dir.resolve("data.bin");
        Files.write(file, content);
        HttpResponse r = SERVER.get("/file?path=" + file);
        assertThat(r.status()).isEqualTo(200);
        assertThat(r.header("Content-Length")).contains(Long.toString(content.length));
        assertThat(r.header("Transfer-Encoding")).isEmpty();
        assertThat(r.body()).isEqualTo(content);
    }
}
