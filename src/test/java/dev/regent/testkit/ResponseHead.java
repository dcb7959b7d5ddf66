package dev.regent.testkit;

import java.util.List;
import java.util.Map;
import java.util.Optional;

/** A parsed status line and header fields, exactly as received (names keep their case). */
public record ResponseHead(String version, int status, String reason, List<Map.Entry<String, String>> headers) {

    /** The first value of a header (case-insensitive name), if present. */
    public Optional<String> header(String name) {
        return headers.stream().filter(h -> h.getKey().equalsIgnoreCase(name)).map(Map.Entry::getValue).findFirst();
    }

    public List<String> headerValues(String name) {
        return headers.stream().filter(h -> h.getKey().equalsIgnoreCase(name)).map(Map.Entry::getValue).toList();
    }

    public long contentLength() {
        return header("Content-Length").map(Long::parseLong).orElse(-1L);
    }

    public boolean chunked() {
        return header("Transfer-Encoding").map(v -> v.toLowerCase().contains("chunked")).orElse(false);
    }

    public boolean closes() {
        return header("Connection").map(v -> v.equalsIgnoreCase("close")).orElse(false);
    }
}
