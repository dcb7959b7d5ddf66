package dev.regent.testkit;

import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Optional;

/** A complete response: its head, the de-chunked body, and the sizes of the chunks it came in. */
public record HttpResponse(ResponseHead head, byte[] body, List<Integer> chunkSizes) {

    public int status() {
        return head.status();
    }

    public Optional<String> header(String name) {
        return head.header(name);
    }

    public String bodyText() {
        return new String(body, StandardCharsets.UTF_8);
    }

    @Override
    public String toString() {
        return head.version() + " " + head.status() + " " + head.reason() + " " + head.headers() + " body: "
                + new String(body, 0, Math.min(body.length, 500), StandardCharsets.ISO_8859_1);
    }
}
