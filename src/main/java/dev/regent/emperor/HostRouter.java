package dev.regent.emperor;

import dev.regent.config.SocketSpec;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.util.concurrent.ScheduledFuture;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * emperor-http: reads the head of a connection's first request, picks the vassal from its Host
 * header and hands the whole connection (bytes read so far included) to that vassal's
 * {@link Gate}, which gives it to the vassal's server as if its own socket had accepted it. No
 * proxying: the vassal's front end parses the request again and relays it to its workers, on the
 * same event loop. Routing is per connection: further requests on a keep-alive connection go to
 * the same vassal (browsers keep one connection per host; see docs/emperor.md for proxies that mix).
 */
final class HostRouter extends ChannelInboundHandlerAdapter {
    private static final int MAX_HEAD = 64 * 1024;
    private static final long HEAD_TIMEOUT_SECONDS = 10;

    /** The routing table: exact domains and {@code *.suffix} wildcards (longest suffix first). Immutable. */
    record Routes(Map<String, Gate> exact, List<Map.Entry<String, Gate>> wildcards) {
        static final Routes EMPTY = new Routes(Map.of(), List.of());

        /** Builds the table from vassal name to its domains; the first vassal to claim a domain keeps it. */
        static Routes of(Map<String, List<String>> domains, Map<String, Gate> gates) {
            Map<String, Gate> exact = new HashMap<>();
            Map<String, Gate> wild = new HashMap<>();
            for (Map.Entry<String, List<String>> e : domains.entrySet()) {
                Gate gate = gates.get(e.getKey());
                for (String d : e.getValue()) {
                    if (d.startsWith("*.")) {
                        wild.putIfAbsent(d.substring(1), gate);
                    } else {
                        exact.putIfAbsent(d, gate);
                    }
                }
            }
            List<Map.Entry<String, Gate>> wildcards = new ArrayList<>(wild.entrySet());
            wildcards.sort(Comparator.comparingInt((Map.Entry<String, Gate> x) -> x.getKey().length()).reversed());
            return new Routes(Map.copyOf(exact), List.copyOf(wildcards));
        }

        /** The gate for a Host value (port and trailing dot ignored, case-insensitive), or null. */
        Gate find(String host) {
            String h = normalize(host);
            Gate g = exact.get(h);
            if (g != null) {
                return g;
            }
            for (Map.Entry<String, Gate> w : wildcards) {
                // "*.example.com" matches a.example.com and a.b.example.com, not example.com itself
                if (h.endsWith(w.getKey()) && h.length() > w.getKey().length()) {
                    return w.getValue();
                }
            }
            return null;
        }

        static String normalize(String host) {
            String h = host.strip().toLowerCase(Locale.ROOT);
            if (h.startsWith("[")) {
                int end = h.indexOf(']');
                return end > 0 ? h.substring(0, end + 1) : h;
            }
            int colon = h.lastIndexOf(':');
            if (colon >= 0) {
                h = h.substring(0, colon);
            }
            return h.endsWith(".") ? h.substring(0, h.length() - 1) : h;
        }
    }

    private final java.util.function.Supplier<Routes> routes;
    private final SocketSpec spec;
    private ByteBuf head = Unpooled.EMPTY_BUFFER;
    private ScheduledFuture<?> timer;

    HostRouter(java.util.function.Supplier<Routes> routes, SocketSpec spec) {
        this.routes = routes;
        this.spec = spec;
    }

    @Override
    public void channelActive(ChannelHandlerContext ctx) {
        timer = ctx.executor().schedule(() -> {
            ctx.close();
        }, HEAD_TIMEOUT_SECONDS, TimeUnit.SECONDS);
        ctx.fireChannelActive();
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        ByteBuf in = (ByteBuf) msg;
        if (head == Unpooled.EMPTY_BUFFER) {
            head = ctx.alloc().buffer(Math.max(1024, in.readableBytes()));
        }
        head.writeBytes(in);
        in.release();
        int end = headEnd(head);
        if (end < 0) {
            if (head.readableBytes() > MAX_HEAD) {
                reply(ctx, 431, "Request Header Fields Too Large");
            }
            return;
        }
        String host = host(head.toString(head.readerIndex(), end, StandardCharsets.ISO_8859_1));
        if (host == null) {
            reply(ctx, 400, "Bad Request");
            return;
        }
        Gate gate = routes.get().find(host);
        if (gate == null) {
            reply(ctx, 404, "Not Found");
            return;
        }
        cancelTimer();
        Channel ch = ctx.channel();
        ByteBuf read = head;
        head = Unpooled.EMPTY_BUFFER;
        ch.config().setAutoRead(false);
        ctx.pipeline().remove(this);
        gate.offer(ch, spec, read);
    }

    @Override
    public void channelInactive(ChannelHandlerContext ctx) {
        cancelTimer();
        head.release();
        head = Unpooled.EMPTY_BUFFER;
        ctx.fireChannelInactive();
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
        ctx.close();
    }

    private void cancelTimer() {
        if (timer != null) {
            timer.cancel(false);
        }
    }

    private void reply(ChannelHandlerContext ctx, int status, String reason) {
        cancelTimer();
        head.release();
        head = Unpooled.EMPTY_BUFFER;
        byte[] body = (status + " " + reason + "\n").getBytes(StandardCharsets.US_ASCII);
        String h = "HTTP/1.1 " + status + " " + reason + "\r\nContent-Type: text/plain\r\nContent-Length: "
                + body.length + "\r\nConnection: close\r\n\r\n";
        ByteBuf out = ctx.alloc().buffer(h.length() + body.length);
        out.writeBytes(h.getBytes(StandardCharsets.US_ASCII)).writeBytes(body);
        ctx.channel().config().setAutoRead(false);
        ctx.writeAndFlush(out).addListener(ChannelFutureListener.CLOSE);
    }

    /** Index just past the blank line that ends the head (CRLF CRLF, or bare LF LF), or -1. */
    static int headEnd(ByteBuf b) {
        int start = b.readerIndex();
        int n = b.writerIndex();
        for (int i = start; i < n; i++) {
            if (b.getByte(i) == '\n') {
                if (i + 1 < n && b.getByte(i + 1) == '\n') {
                    return i + 2;
                }
                if (i + 2 < n && b.getByte(i + 1) == '\r' && b.getByte(i + 2) == '\n') {
                    return i + 3;
                }
            }
        }
        return -1;
    }

    /** The Host header of a request head, or the authority of an absolute-form target; null when neither. */
    static String host(String head) {
        String[] lines = head.split("\r?\n");
        for (int i = 1; i < lines.length; i++) {
            int colon = lines[i].indexOf(':');
            if (colon > 0 && lines[i].substring(0, colon).strip().equalsIgnoreCase("host")) {
                String v = lines[i].substring(colon + 1).strip();
                return v.isEmpty() ? null : v;
            }
        }
        String[] parts = lines.length > 0 ? lines[0].split(" ") : new String[0];
        if (parts.length >= 2 && parts[1].contains("://")) {
            String rest = parts[1].substring(parts[1].indexOf("://") + 3);
            int slash = rest.indexOf('/');
            return slash < 0 ? rest : rest.substring(0, slash);
        }
        return null;
    }
}
