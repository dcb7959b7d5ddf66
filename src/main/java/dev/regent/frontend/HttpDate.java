package dev.regent.frontend;

import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.Locale;

/**
 * The {@code Date: ...\r\n} header line (RFC 9110 section 6.6.1), formatted at most once per
 * second. Used only from the I/O loop.
 */
final class HttpDate {
    private static final DateTimeFormatter FORMAT =
            DateTimeFormatter.ofPattern("EEE, dd MMM yyyy HH:mm:ss 'GMT'", Locale.ROOT).withZone(ZoneOffset.UTC);

    private long second = Long.MIN_VALUE;
    private byte[] line;

    byte[] line(long nowMillis) {
        long s = nowMillis / 1000;
        if (s != second) {
            second = s;
            line = ("Date: " + FORMAT.format(Instant.ofEpochSecond(s)) + "\r\n").getBytes(StandardCharsets.US_ASCII);
        }
        return line;
    }
}
