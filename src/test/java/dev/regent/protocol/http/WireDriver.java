package dev.regent.protocol.http;

import dev.regent.protocol.RequestHead;
import dev.regent.protocol.environ.MarshalReader;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.function.Supplier;

/**
 * Plays the connection handler in tests: feeds a byte stream in fragments to the decoders through a
 * cumulation buffer, reads bodies, and records what came out as comparable values.
 */
final class WireDriver {

    static final ConnectionInfo CONN = ConnectionInfo.of("10.0.0.1", 8080, "192.0.2.7", 40000, "http");

    /** One decoded request, or the failure that ended the stream ({@code status} != 0). */
    record Outcome(int status, Map<String, String> environ, RequestHead.BodyFraming framing, long contentLength,
            boolean keepAlive, boolean expectContinue, boolean headRequest, boolean http10, String method,
            String uri, String body) {

        static Outcome failure(int status) {
            return new Outcome(status, null, null, 0, false, false, false, false, null, null, null);
        }
    }

    private final Supplier<HttpRequestDecoder> heads;
    private final long maxBody;

    WireDriver(Supplier<HttpRequestDecoder> heads, long maxBody) {
        this.heads = heads;
        this.maxBody = maxBody;
    }

    WireDriver() {
        this(HttpRequestDecoder::new, 0);
    }

    /** Feeds {@code input} in pieces of {@code fragment} bytes; "INCOMPLETE" ends an unfinished stream. */
    List<Object> run(byte[] input, int fragment) {
        return run(input, splits(input.length, fragment));
    }

    /** Feeds {@code input} cut at the given ascending offsets. */
    List<Object> run(byte[] input, int[] cuts) {
        Session s = new Session();
        ByteBuf cumulation = Unpooled.buffer();
        try {
            int from = 0;
            for (int i = 0; i <= cuts.length && !s.done; i++) {
                int to = i < cuts.length ? cuts[i] : input.length;
                cumulation.writeBytes(input, from, to - from);
                from = to;
                s.process(cumulation);
                // moves unread bytes to index 0: offsets kept by the decoder must not depend on it
                cumulation.discardReadBytes();
            }
            if (!s.done && (s.mode != Mode.HEAD || cumulation.isReadable())) {
                s.results.add("INCOMPLETE");
            }
            return s.results;
        } finally {
            cumulation.release();
        }
    }

    static int[] splits(int length, int fragment) {
        int n = Math.max(0, (length - 1) / fragment);
        int[] cuts = new int[n];
        for (int i = 0; i < n; i++) {
            cuts[i] = (i + 1) * fragment;
        }
        return cuts;
    }

    private enum Mode { HEAD, LENGTH, CHUNKED }

    private final class Session {
        final HttpRequestDecoder decoder = heads.get();
        final ChunkedBodyDecoder chunks = new ChunkedBodyDecoder(maxBody);
        final List<Object> results = new ArrayList<>();
        Mode mode = Mode.HEAD;
        Outcome pending;
        long remaining;
        ByteArrayOutputStream body = new ByteArrayOutputStream();
        boolean done;

        void process(ByteBuf in) {
            while (!done) {
                switch (mode) {
                    case HEAD -> {
                        if (!head(in)) {
                            return;
                        }
                    }
                    case LENGTH -> {
                        int n = (int) Math.min(remaining, in.readableBytes());
                        byte[] bytes = new byte[n];
                        in.readBytes(bytes);
                        body.writeBytes(bytes);
                        remaining -= n;
                        if (remaining > 0) {
                            return;
                        }
                        finish();
                    }
                    case CHUNKED -> {
                        if (!chunk(in)) {
                            return;
                        }
                    }
                    default -> throw new IllegalStateException();
                }
            }
        }

        boolean head(ByteBuf in) {
            HttpRequestDecoder.Result r = decoder.decodeHead(in, CONN);
            switch (r) {
                case HttpRequestDecoder.NeedMore n -> {
                    return false;
                }
                case HttpFailure f -> {
                    results.add(Outcome.failure(f.status()));
                    done = true;
                    return false;
                }
                case HttpRequestDecoder.Head h -> {
                    RequestHead rh = h.head();
                    Map<String, String> env = new TreeMap<>(MarshalReader.readDict(rh.environ()));
                    rh.environ().release();
                    pending = new Outcome(0, env, rh.framing(), rh.contentLength(), rh.keepAlive(),
                            rh.expectContinue(), rh.headRequest(), rh.http10(), rh.method(), rh.uri(), null);
                    body = new ByteArrayOutputStream();
                    switch (rh.framing()) {
                        case NONE -> finish();
                        case LENGTH -> {
                            mode = Mode.LENGTH;
                            remaining = rh.contentLength();
                        }
                        case CHUNKED -> {
                            mode = Mode.CHUNKED;
                            chunks.reset();
                        }
                        default -> throw new IllegalStateException();
                    }
                    return true;
                }
            }
        }

        boolean chunk(ByteBuf in) {
            ChunkedBodyDecoder.Result r = chunks.decode(in);
            switch (r) {
                case ChunkedBodyDecoder.Data d -> {
                    ByteBuf c = d.content();
                    byte[] bytes = new byte[c.readableBytes()];
                    c.readBytes(bytes);
                    c.release();
                    body.writeBytes(bytes);
                    return true;
                }
                case ChunkedBodyDecoder.Signal s when s == ChunkedBodyDecoder.Signal.END -> {
                    finish();
                    return true;
                }
                case ChunkedBodyDecoder.Signal s -> {
                    return false;
                }
                case HttpFailure f -> {
                    results.add(Outcome.failure(f.status()));
                    done = true;
                    return false;
                }
            }
        }

        void finish() {
            Outcome p = pending;
            results.add(new Outcome(0, p.environ(), p.framing(), p.contentLength(), p.keepAlive(),
                    p.expectContinue(), p.headRequest(), p.http10(), p.method(), p.uri(),
                    body.toString(StandardCharsets.ISO_8859_1)));
            mode = Mode.HEAD;
            done = !p.keepAlive();
        }
    }
}
