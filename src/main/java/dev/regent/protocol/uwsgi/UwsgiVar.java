package dev.regent.protocol.uwsgi;

import io.netty.buffer.ByteBuf;
import java.nio.charset.StandardCharsets;

/**
 * The request variables the decoder interprets or guards. Every other variable is copied to
 * the environ without being looked at.
 *
 * <p>{@link #magic} variables ask uWSGI to load code or change the worker process (import a
 * module, chdir, setenv, ...). Regent loads the app from its own configuration only, so a
 * packet cannot do that: those variables are dropped and reported.
 */
enum UwsgiVar {
    REQUEST_METHOD,
    REQUEST_URI,
    PATH_INFO,
    QUERY_STRING,
    SCRIPT_NAME,
    SERVER_PROTOCOL,
    SERVER_NAME,
    SERVER_PORT,
    REMOTE_ADDR,
    CONTENT_LENGTH,
    HTTPS,
    UWSGI_SCHEME,
    WSGI_URL_SCHEME("wsgi.url_scheme", false),
    UWSGI_SCRIPT(true),
    UWSGI_MODULE(true),
    UWSGI_CALLABLE(true),
    UWSGI_FILE(true),
    UWSGI_PYHOME(true),
    UWSGI_CHDIR(true),
    UWSGI_SETENV(true),
    UWSGI_POSTFILE(true),
    UWSGI_TOUCH_RELOAD(true),
    UWSGI_APPID(true),
    UWSGI_CACHE_GET(true);

    static final int COUNT = values().length;

    /** Candidates by name length, so that most keys (HTTP_*) are rejected by one array load. */
    private static final UwsgiVar[][] BY_LENGTH;

    static {
        int max = 0;
        for (UwsgiVar v : values()) {
            max = Math.max(max, v.bytes.length);
        }
        BY_LENGTH = new UwsgiVar[max + 1][];
        for (int len = 0; len <= max; len++) {
            int n = 0;
            for (UwsgiVar v : values()) {
                n += v.bytes.length == len ? 1 : 0;
            }
            UwsgiVar[] bucket = new UwsgiVar[n];
            n = 0;
            for (UwsgiVar v : values()) {
                if (v.bytes.length == len) {
                    bucket[n++] = v;
                }
            }
            BY_LENGTH[len] = bucket;
        }
    }

    final String wireName;
    final byte[] bytes;
    final boolean magic;

    UwsgiVar() {
        this(false);
    }

    UwsgiVar(boolean magic) {
        this.wireName = name();
        this.bytes = wireName.getBytes(StandardCharsets.US_ASCII);
        this.magic = magic;
    }

    UwsgiVar(String wireName, boolean magic) {
        this.wireName = wireName;
        this.bytes = wireName.getBytes(StandardCharsets.US_ASCII);
        this.magic = magic;
    }

    /** The variable whose name is the {@code length} bytes at {@code index}, or null. */
    static UwsgiVar find(ByteBuf buf, int index, int length) {
        if (length >= BY_LENGTH.length) {
            return null;
        }
        byte first = buf.getByte(index);
        for (UwsgiVar v : BY_LENGTH[length]) {
            if (v.bytes[0] == first && matches(buf, index, v.bytes)) {
                return v;
            }
        }
        return null;
    }

    /** True when the bytes at {@code index} are exactly {@code expected}. */
    static boolean matches(ByteBuf buf, int index, byte[] expected) {
        for (int i = 0; i < expected.length; i++) {
            if (buf.getByte(index + i) != expected[i]) {
                return false;
            }
        }
        return true;
    }

    /** Like {@link #matches} for a lower-case ASCII {@code expected}, ignoring the case of letters. */
    static boolean matchesIgnoreCase(ByteBuf buf, int index, int length, byte[] expected) {
        if (length != expected.length) {
            return false;
        }
        for (int i = 0; i < length; i++) {
            int b = buf.getByte(index + i);
            if (b >= 'A' && b <= 'Z') {
                b += 'a' - 'A';
            }
            if (b != expected[i]) {
                return false;
            }
        }
        return true;
    }
}
