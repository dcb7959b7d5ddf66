package dev.regent.protocol.http;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.netty.buffer.ByteBuf;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class HttpStatusTest {

    @ParameterizedTest
    @ValueSource(ints = {400, 408, 413, 414, 417, 431, 500, 501, 502, 503, 504, 505})
    void errorResponseIsCompleteAndClosesTheConnection(int status) {
        ByteBuf r = HttpStatus.errorResponse(status);
        String text = r.toString(StandardCharsets.US_ASCII);
        r.release();
        String reason = HttpStatus.reasonPhrase(status);
        assertThat(text).startsWith("HTTP/1.1 " + status + " " + reason + "\r\n")
                .contains("\r\nContent-Type: text/plain\r\n", "\r\nConnection: close\r\n");
        String body = text.substring(text.indexOf("\r\n\r\n") + 4);
        assertThat(text).contains("\r\nContent-Length: " + body.length() + "\r\n");
        assertThat(body).isEqualTo(status + " " + reason + "\n");
    }

    @ParameterizedTest
    @ValueSource(ints = {200, 418, 999})
    void unknownStatusIsRefused(int status) {
        assertThat(HttpStatus.reasonPhrase(status)).isNull();
        assertThatThrownBy(() -> HttpStatus.errorResponse(status)).isInstanceOf(IllegalArgumentException.class)
                .hasMessageStartingWith("status: " + status + " (expected: ");
    }
}
