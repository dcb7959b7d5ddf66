package dev.regent.protocol.uwsgi;

import static org.assertj.core.api.Assertions.assertThat;

import dev.regent.protocol.uwsgi.UwsgiDecodeResult.Decoded;
import dev.regent.protocol.uwsgi.UwsgiDecodeResult.Failure;
import dev.regent.protocol.uwsgi.UwsgiDecodeResult.Rejected;
import java.math.BigInteger;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.EnumMap;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * Thousands of seeded random packets, mostly broken, checked against an independent statement
 * of the rules: the decoder must agree on NEED_MORE / decoded / rejected (and why), never
 * throw, and on success produce the environ the rules call for.
 */
class UwsgiDecoderFuzzTest {

    private static final long SEED = 0x5EED_0001L;
    private static final int CASES = 6000;
    private static final String[] NAMES = names();

    private enum Outcome { NEED_MORE, DECODED, MALFORMED, BODY_TOO_LARGE }

    @Test
    @Timeout(value = 60, unit = TimeUnit.SECONDS)
    void randomPacketsAgreeWithTheRules() {
        Random random = new Random(SEED);
        Map<Outcome, Integer> seen = new EnumMap<>(Outcome.class);
        for (int i = 0; i < CASES; i++) {
            int bufferSize = pick(random, 64, 4096, 65536);
            long limitPost = pick(random, 0, 100, 1 << 20);
            int maxVars = pick(random, 4, 16, 1024);
            byte[] packet = mutate(random, validPacket(random));
            int fragment = 1 + random.nextInt(Math.max(1, packet.length));
            String what = "case " + i + " limits " + bufferSize + "/" + limitPost + "/" + maxVars
                    + " fragment " + fragment
                    + " packet " + HexFormat.of().formatHex(packet, 0, Math.min(packet.length, 64));

            Outcome expected = expectedOutcome(packet, bufferSize, limitPost, maxVars);
            UwsgiPackets.Fed fed;
            try {
                fed = UwsgiPackets.feed(new UwsgiRequestDecoder(bufferSize, limitPost, maxVars), packet, fragment);
            } catch (Throwable t) {
                throw new AssertionError(what, t);
            }
            Outcome actual = outcome(fed.result());
            assertThat(actual).as(what).isEqualTo(expected);
            seen.merge(actual, 1, Integer::sum);
            if (fed.result() instanceof Decoded d) {
                byte[] environ = UwsgiPackets.environBytes(d);
                d.head().environ().release();
                assertThat(UwsgiPackets.loadMarshal(environ)).as(what).isEqualTo(expectedEnviron(packet));
                int end = 4 + u16(packet, 1);
                assertThat(fed.rest()).as(what).isEqualTo(Arrays.copyOfRange(packet, end, packet.length));
            } else if (fed.result() instanceof Rejected r) {
                assertThat(r.reason()).as(what).hasSizeLessThan(120);
            }
        }
        assertThat(seen.keySet()).as("every outcome is exercised: " + seen).containsExactlyInAnyOrder(Outcome.values());
    }

    private static Outcome outcome(UwsgiDecodeResult result) {
        return switch (result) {
            case UwsgiDecodeResult.NeedMore n -> Outcome.NEED_MORE;
            case Decoded d -> Outcome.DECODED;
            case Rejected r -> r.failure() == Failure.MALFORMED ? Outcome.MALFORMED : Outcome.BODY_TOO_LARGE;
        };
    }

    // ---- the rules, restated independently of the decoder ----

    private static Outcome expectedOutcome(byte[] p, int bufferSize, long limitPost, int maxVars) {
        if (p.length < 4) {
            return Outcome.NEED_MORE;
        }
        int modifier1 = p[0] & 0xFF;
        int datasize = u16(p, 1);
        if (modifier1 != 0 && modifier1 != 30 || datasize > bufferSize) {
            return Outcome.MALFORMED;
        }
        if (p.length < 4 + datasize) {
            return Outcome.NEED_MORE;
        }
        List<String[]> vars = parseVars(p);
        if (vars == null || vars.size() > maxVars) {
            return Outcome.MALFORMED;
        }
        String cl = null;
        for (String[] kv : vars) {
            if (kv[0].equals("CONTENT_LENGTH")) {
                cl = kv[1];
            }
        }
        int digits = 0;
        while (cl != null && digits < cl.length() && Character.isDigit(cl.charAt(digits)) && cl.charAt(digits) < 128) {
            digits++;
        }
        BigInteger length = digits == 0 ? BigInteger.ZERO : new BigInteger(cl.substring(0, digits));
        if (length.bitLength() > 63 || limitPost > 0 && length.compareTo(BigInteger.valueOf(limitPost)) > 0) {
            return Outcome.BODY_TOO_LARGE;
        }
        return Outcome.DECODED;
    }

    /** The vars of a complete block, or null when the block breaks the framing. */
    private static List<String[]> parseVars(byte[] p) {
        int end = 4 + u16(p, 1);
        List<String[]> vars = new ArrayList<>();
        int pos = 4;
        while (pos < end) {
            if (end - pos < 2) {
                return null;
            }
            int klen = u16(p, pos);
            pos += 2;
            if (klen == 0 || klen > end - pos) {
                return null;
            }
            String key = new String(p, pos, klen, StandardCharsets.ISO_8859_1);
            pos += klen;
            if (end - pos < 2) {
                return null;
            }
            int vlen = u16(p, pos);
            pos += 2;
            if (vlen > end - pos) {
                return null;
            }
            vars.add(new String[] {key, new String(p, pos, vlen, StandardCharsets.ISO_8859_1)});
            pos += vlen;
        }
        return vars;
    }

    private static Map<String, String> expectedEnviron(byte[] p) {
        boolean strip = (p[0] & 0xFF) == 30;
        Map<String, String> env = new LinkedHashMap<>();
        String pathInfo = null;
        for (String[] kv : parseVars(p)) {
            String key = kv[0];
            boolean magic = key.startsWith("UWSGI_") && !key.equals("UWSGI_SCHEME") && isKnown(key);
            if (magic || key.equals("wsgi.url_scheme") || key.equals("REMOTE_ADDR") && env.containsKey(key)) {
                continue;
            }
            if (strip && key.equals("PATH_INFO")) {
                pathInfo = kv[1];
                continue;
            }
            env.put(key, kv[1]);
        }
        if (pathInfo != null) {
            String scriptName = env.getOrDefault("SCRIPT_NAME", "");
            env.put("PATH_INFO", !scriptName.isEmpty() && pathInfo.startsWith(scriptName)
                    ? pathInfo.substring(scriptName.length()) : pathInfo);
        }
        env.putIfAbsent("SCRIPT_NAME", "");
        env.putIfAbsent("PATH_INFO", "");
        env.putIfAbsent("QUERY_STRING", "");
        env.putIfAbsent("SERVER_NAME", "10.0.0.1");
        env.putIfAbsent("SERVER_PORT", "3031");
        env.putIfAbsent("REMOTE_ADDR", "10.0.0.2");
        String scheme = env.getOrDefault("UWSGI_SCHEME", "").toLowerCase(Locale.ROOT);
        String https = env.getOrDefault("HTTPS", "");
        boolean secure = scheme.equals("https")
                || !scheme.equals("http") && (https.equalsIgnoreCase("on") || https.equals("1"));
        env.put("wsgi.url_scheme", secure ? "https" : "http");
        return env;
    }

    private static boolean isKnown(String key) {
        for (UwsgiVar v : UwsgiVar.values()) {
            if (v.wireName.equals(key)) {
                return true;
            }
        }
        return false;
    }

    // ---- generation ----

    static byte[] validPacket(Random random) {
        int count = random.nextInt(random.nextInt(10) == 0 ? 40 : 12);
        List<String> kv = new ArrayList<>();
        for (int i = 0; i < count; i++) {
            String key = random.nextInt(3) == 0
                    ? randomText(random, 1 + random.nextInt(20))
                    : NAMES[random.nextInt(NAMES.length)];
            kv.add(key);
            kv.add(value(random, key));
        }
        int modifier1 = random.nextInt(20) == 0 ? random.nextInt(256) : random.nextBoolean() ? 0 : 30;
        byte[] block = UwsgiPackets.vars(kv.toArray(String[]::new));
        if (block.length > 65535) {
            block = new byte[0];
        }
        byte[] body = new byte[random.nextInt(4) == 0 ? random.nextInt(20) : 0];
        random.nextBytes(body);
        return UwsgiPackets.concat(UwsgiPackets.raw(modifier1, block.length, random.nextInt(256), block), body);
    }

    private static String value(Random random, String key) {
        return switch (key) {
            case "CONTENT_LENGTH" -> pick(random, "", "0", "7", "12abc", "abc", "150", "99999999",
                    "9223372036854775807", "9223372036854775808", "1".repeat(40), " 5");
            case "HTTPS" -> pick(random, "on", "ON", "1", "off", "", "0");
            case "UWSGI_SCHEME" -> pick(random, "https", "HTTP", "http", "ftp", "");
            case "SCRIPT_NAME" -> pick(random, "", "/app", "/a");
            case "PATH_INFO" -> pick(random, "", "/", "/app", "/app/x", "/apple", "/x");
            case "SERVER_PROTOCOL" -> pick(random, "HTTP/1.0", "HTTP/1.1", "HTTP/2.0", "junk");
            default -> randomText(random, random.nextInt(10) == 0 ? 200 + random.nextInt(400) : random.nextInt(12));
        };
    }

    static byte[] mutate(Random random, byte[] packet) {
        byte[] p = packet;
        int mutations = random.nextInt(4);
        for (int m = 0; m < mutations; m++) {
            switch (random.nextInt(7)) {
                case 0 -> p = Arrays.copyOf(p, random.nextInt(p.length + 1));
                case 1 -> {
                    if (p.length > 0) {
                        p[random.nextInt(p.length)] ^= (byte) (1 << random.nextInt(8));
                    }
                }
                case 2 -> { // a length field (or anything) overwritten with a random u16
                    if (p.length >= 2) {
                        int at = random.nextInt(p.length - 1);
                        int v = random.nextBoolean() ? random.nextInt(65536) : random.nextInt(16);
                        p[at] = (byte) v;
                        p[at + 1] = (byte) (v >>> 8);
                    }
                }
                case 3 -> { // datasize off by a little
                    if (p.length >= 4) {
                        int v = Math.max(0, Math.min(65535, u16(p, 1) + random.nextInt(9) - 4));
                        p[1] = (byte) v;
                        p[2] = (byte) (v >>> 8);
                    }
                }
                case 4 -> {
                    p = new byte[random.nextInt(64)];
                    random.nextBytes(p);
                }
                case 5 -> {
                    byte[] tail = new byte[random.nextInt(16)];
                    random.nextBytes(tail);
                    p = UwsgiPackets.concat(p, tail);
                }
                default -> p = UwsgiPackets.concat(p, new byte[] {0, 0, 0, 0});
            }
        }
        return p;
    }

    private static String randomText(Random random, int length) {
        char[] c = new char[length];
        for (int i = 0; i < length; i++) {
            c[i] = random.nextInt(8) == 0 ? (char) random.nextInt(256) : (char) ('A' + random.nextInt(26));
        }
        return new String(c);
    }

    private static String[] names() {
        List<String> names = new ArrayList<>();
        for (UwsgiVar v : UwsgiVar.values()) {
            names.add(v.wireName);
        }
        names.addAll(List.of("HTTP_HOST", "HTTP_COOKIE", "REQUEST_SCHEME", "REMOTE_PORT", "DOCUMENT_ROOT"));
        return names.toArray(String[]::new);
    }

    @SafeVarargs
    private static <T> T pick(Random random, T... choices) {
        return choices[random.nextInt(choices.length)];
    }

    private static int pick(Random random, int a, int b, int c) {
        return pick(random, new Integer[] {a, b, c});
    }

    private static int u16(byte[] p, int at) {
        return (p[at] & 0xFF) | (p[at + 1] & 0xFF) << 8;
    }
}
