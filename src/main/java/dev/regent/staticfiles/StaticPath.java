package dev.regent.staticfiles;

import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;

/**
 * Turns a raw request target into a safe, normalized path for file lookup, or refuses it.
 *
 * <p>The path is percent-decoded exactly once and then must be plain: no {@code ..} segment, no
 * NUL byte, no backslash, no encoded slash or backslash ({@code %2f}, {@code %5c}: the file
 * system would see a separator the URL did not have), no sequence that is still an escape after
 * decoding ({@code %252e} is someone hoping for a second decode), and valid UTF-8 (overlong forms
 * such as {@code %c0%ae} are how dots were smuggled past old decoders). Anything else is refused
 * rather than "cleaned up": a legitimate client never sends these, so guessing what it meant only
 * helps an attacker.
 */
public final class StaticPath {

    /** What {@link #parse} found. */
    public sealed interface Result {
    }

    /** The path, without its leading slash, with empty and {@code .} segments removed. */
    public record Clean(String raw, String relative, boolean trailingSlash) implements Result {
    }

    /** The target is not an origin-form path (such as {@code *}): not a static request. */
    public record NotAPath() implements Result {
    }

    /** A traversal attempt or an undecodable path. */
    public record Refused(String reason) implements Result {
    }

    private static final NotAPath NOT_A_PATH = new NotAPath();

    private StaticPath() {
    }

    /** The path part of {@code target} (origin or absolute form), still encoded; null for other forms. */
    public static String rawPath(String target) {
        String t = target;
        if (t.regionMatches(true, 0, "http://", 0, 7) || t.regionMatches(true, 0, "https://", 0, 8)) {
            int slash = t.indexOf('/', t.indexOf("//") + 2);
            t = slash < 0 ? "/" : t.substring(slash);
        }
        if (t.isEmpty() || t.charAt(0) != '/') {
            return null;
        }
        int end = t.length();
        for (int i = 0; i < t.length(); i++) {
            char c = t.charAt(i);
            if (c == '?' || c == '#') {
                end = i;
                break;
            }
        }
        return t.substring(0, end);
    }

    public static Result parse(String target) {
        String raw = rawPath(target);
        if (raw == null) {
            return NOT_A_PATH;
        }
        byte[] bytes = new byte[raw.length()];
        int n = 0;
        for (int i = 0; i < raw.length(); i++) {
            char c = raw.charAt(i);
            if (c > 0xff) {
                return new Refused("non latin-1 character");
            }
            if (c == '%') {
                if (i + 2 >= raw.length()) {
                    return new Refused("truncated escape");
                }
                int hi = Character.digit(raw.charAt(i + 1), 16);
                int lo = Character.digit(raw.charAt(i + 2), 16);
                if (hi < 0 || lo < 0) {
                    return new Refused("malformed escape");
                }
                int b = hi * 16 + lo;
                if (b == '/' || b == '\\') {
                    return new Refused("encoded separator");
                }
                bytes[n++] = (byte) b;
                i += 2;
            } else {
                bytes[n++] = (byte) c;
            }
        }
        for (int i = 0; i < n; i++) {
            byte b = bytes[i];
            if (b == 0) {
                return new Refused("NUL byte");
            }
            if (b == '\\') {
                return new Refused("backslash");
            }
            if (b == '%' && i + 2 < n && Character.digit(bytes[i + 1], 16) >= 0 && Character.digit(bytes[i + 2], 16) >= 0) {
                return new Refused("double encoding");
            }
        }
        String decoded;
        try {
            decoded = StandardCharsets.UTF_8.newDecoder().onMalformedInput(CodingErrorAction.REPORT)
                    .onUnmappableCharacter(CodingErrorAction.REPORT).decode(ByteBuffer.wrap(bytes, 0, n)).toString();
        } catch (CharacterCodingException e) {
            return new Refused("invalid UTF-8");
        }
        StringBuilder out = new StringBuilder(decoded.length());
        int start = 1;
        while (start <= decoded.length()) {
            int slash = decoded.indexOf('/', start);
            int end = slash < 0 ? decoded.length() : slash;
            String segment = decoded.substring(start, end);
            if (segment.equals("..")) {
                return new Refused("dot-dot segment");
            }
            if (!segment.isEmpty() && !segment.equals(".")) {
                if (!out.isEmpty()) {
                    out.append('/');
                }
                out.append(segment);
            }
            start = end + 1;
        }
        return new Clean(raw, out.toString(), decoded.endsWith("/"));
    }
}
