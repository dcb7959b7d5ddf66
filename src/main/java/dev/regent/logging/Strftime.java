package dev.regent.logging;

import java.time.ZonedDateTime;
import java.time.format.TextStyle;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * A C {@code strftime} pattern ({@code log-date}, {@code ltime}, {@code log-format-strftime})
 * compiled once into a list of field appenders, so that formatting a line neither parses the
 * pattern nor builds a {@code DateTimeFormatter}. Names are English (the C locale), as uWSGI's
 * are under the usual service environment. An unknown conversion is copied as it is.
 */
public final class Strftime {
    /** The C library's {@code ctime()} layout without its newline: {@code Mon Nov  3 02:40:00 2026}. */
    public static final Strftime CTIME = compile("%a %b %e %H:%M:%S %Y");
    /** uWSGI's {@code ltime}: the Apache common log time. */
    public static final Strftime LTIME = compile("%d/%b/%Y:%H:%M:%S %z");

    private interface Part {
        void append(StringBuilder sb, ZonedDateTime t);
    }

    private final Part[] parts;

    private Strftime(List<Part> parts) {
        this.parts = parts.toArray(new Part[0]);
    }

    public static Strftime compile(String pattern) {
        List<Part> parts = new ArrayList<>();
        StringBuilder literal = new StringBuilder();
        for (int i = 0; i < pattern.length(); i++) {
            char c = pattern.charAt(i);
            if (c != '%' || i + 1 == pattern.length()) {
                literal.append(c);
                continue;
            }
            char conv = pattern.charAt(++i);
            Part part = conversion(conv);
            if (part == null) {
                literal.append('%').append(conv);
                continue;
            }
            if (!literal.isEmpty()) {
                String text = literal.toString();
                parts.add((sb, t) -> sb.append(text));
                literal.setLength(0);
            }
            parts.add(part);
        }
        if (!literal.isEmpty()) {
            String text = literal.toString();
            parts.add((sb, t) -> sb.append(text));
        }
        return new Strftime(parts);
    }

    public void append(StringBuilder sb, ZonedDateTime t) {
        for (Part p : parts) {
            p.append(sb, t);
        }
    }

    public String format(ZonedDateTime t) {
        StringBuilder sb = new StringBuilder(32);
        append(sb, t);
        return sb.toString();
    }

    private static Part conversion(char c) {
        return switch (c) {
            case 'a' -> (sb, t) -> sb.append(t.getDayOfWeek().getDisplayName(TextStyle.SHORT, Locale.ENGLISH));
            case 'A' -> (sb, t) -> sb.append(t.getDayOfWeek().getDisplayName(TextStyle.FULL, Locale.ENGLISH));
            case 'b', 'h' -> (sb, t) -> sb.append(t.getMonth().getDisplayName(TextStyle.SHORT, Locale.ENGLISH));
            case 'B' -> (sb, t) -> sb.append(t.getMonth().getDisplayName(TextStyle.FULL, Locale.ENGLISH));
            case 'C' -> (sb, t) -> pad(sb, t.getYear() / 100, 2, '0');
            case 'd' -> (sb, t) -> pad(sb, t.getDayOfMonth(), 2, '0');
            case 'e' -> (sb, t) -> pad(sb, t.getDayOfMonth(), 2, ' ');
            case 'H' -> (sb, t) -> pad(sb, t.getHour(), 2, '0');
            case 'k' -> (sb, t) -> pad(sb, t.getHour(), 2, ' ');
            case 'I' -> (sb, t) -> pad(sb, hour12(t), 2, '0');
            case 'l' -> (sb, t) -> pad(sb, hour12(t), 2, ' ');
            case 'j' -> (sb, t) -> pad(sb, t.getDayOfYear(), 3, '0');
            case 'm' -> (sb, t) -> pad(sb, t.getMonthValue(), 2, '0');
            case 'M' -> (sb, t) -> pad(sb, t.getMinute(), 2, '0');
            case 'p' -> (sb, t) -> sb.append(t.getHour() < 12 ? "AM" : "PM");
            case 'S' -> (sb, t) -> pad(sb, t.getSecond(), 2, '0');
            case 's' -> (sb, t) -> sb.append(t.toEpochSecond());
            case 'u' -> (sb, t) -> sb.append(t.getDayOfWeek().getValue());
            case 'w' -> (sb, t) -> sb.append(t.getDayOfWeek().getValue() % 7);
            case 'y' -> (sb, t) -> pad(sb, t.getYear() % 100, 2, '0');
            case 'Y' -> (sb, t) -> sb.append(t.getYear());
            case 'z' -> Strftime::offset;
            case 'Z' -> (sb, t) -> sb.append(t.getZone().getDisplayName(TextStyle.SHORT, Locale.ENGLISH));
            case 'F' -> sequence("%Y-%m-%d");
            case 'T' -> sequence("%H:%M:%S");
            case 'R' -> sequence("%H:%M");
            case 'D' -> sequence("%m/%d/%y");
            case 'c' -> sequence("%a %b %e %H:%M:%S %Y");
            case 'n' -> (sb, t) -> sb.append('\n');
            case 't' -> (sb, t) -> sb.append('\t');
            case '%' -> (sb, t) -> sb.append('%');
            default -> null;
        };
    }

    private static Part sequence(String pattern) {
        Strftime inner = compile(pattern);
        return inner::append;
    }

    private static int hour12(ZonedDateTime t) {
        int h = t.getHour() % 12;
        return h == 0 ? 12 : h;
    }

    private static void offset(StringBuilder sb, ZonedDateTime t) {
        int seconds = t.getOffset().getTotalSeconds();
        sb.append(seconds < 0 ? '-' : '+');
        int minutes = Math.abs(seconds) / 60;
        pad(sb, minutes / 60, 2, '0');
        pad(sb, minutes % 60, 2, '0');
    }

    private static void pad(StringBuilder sb, int value, int width, char fill) {
        int digits = value < 10 ? 1 : value < 100 ? 2 : value < 1000 ? 3 : 4;
        for (int i = digits; i < width; i++) {
            sb.append(fill);
        }
        sb.append(value);
    }
}
