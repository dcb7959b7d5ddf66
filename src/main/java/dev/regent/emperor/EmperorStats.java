package dev.regent.emperor;

import dev.regent.json.JsonString;
import dev.regent.Server;
import dev.regent.Version;
import dev.regent.config.EmperorConfig;
import dev.regent.config.SocketOptions;
import dev.regent.config.SocketSpec;
import dev.regent.frontend.FrontendContext;
import dev.regent.frontend.Listeners;
import dev.regent.logging.RequestLog;
import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.EventLoop;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.function.Supplier;

/**
 * emperor-stats: like uWSGI's, a client connects and gets one JSON document, then the connection
 * closes ({@code nc 127.0.0.1 9191}, {@code socat - UNIX:/run/emperor.stats}). The vassal rows are
 * the emperor thread's last published view; requests and workers are read live, on the event loop
 * that owns the vassals' counters.
 */
final class EmperorStats implements AutoCloseable {

    /** One vassal as the emperor thread last saw it. {@code server} is null when none runs. */
    record Row(String name, String file, String state, String reason, long startedMillis, long lastModMillis,
               boolean onDemand, List<String> domains, Server server, long respawns, long throttleMs, int failures) {
    }

    private final Listeners listeners;

    private EmperorStats(Listeners listeners) {
        this.listeners = listeners;
    }

    static EmperorStats start(EventLoop loop, String address, Supplier<String> document, RequestLog.Logger log)
            throws IOException {
        SocketSpec spec = new SocketSpec(SocketSpec.Protocol.HTTP, address);
        Listeners l = Listeners.bind(loop, List.of(spec), 128, true, SocketOptions.defaults(), log,
                (ch, sp) -> ch.pipeline().addLast(new ChannelInboundHandlerAdapter() {
                    @Override
                    public void channelActive(ChannelHandlerContext ctx) {
                        ctx.writeAndFlush(Unpooled.wrappedBuffer(document.get().getBytes(StandardCharsets.UTF_8)))
                                .addListener(ChannelFutureListener.CLOSE);
                    }

                    @Override
                    public void channelRead(ChannelHandlerContext ctx, Object msg) {
                        io.netty.util.ReferenceCountUtil.release(msg);
                    }

                    @Override
                    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
                        ctx.close();
                    }
                }));
        return new EmperorStats(l);
    }

    String describe() {
        return listeners.describeAll().replace("http on ", "");
    }

    /** On the event loop: the document. */
    static String json(List<Row> rows, long bornMillis, EmperorConfig.Spec spec) {
        StringBuilder sb = new StringBuilder(256 + rows.size() * 256);
        long now = System.currentTimeMillis();
        sb.append("{\"version\":").append(str(Version.VERSION))
                .append(",\"pid\":").append(ProcessHandle.current().pid())
                .append(",\"uptime\":").append((now - bornMillis) / 1000)
                .append(",\"emperor\":[");
        for (int i = 0; i < spec.monitors().size(); i++) {
            sb.append(i > 0 ? "," : "").append(str(spec.monitors().get(i)));
        }
        sb.append("],\"emperor_tyrant\":").append(spec.tyrant() ? 1 : 0).append(",\"vassals\":[");
        for (int i = 0; i < rows.size(); i++) {
            Row r = rows.get(i);
            long requests = 0;
            int workers = 0;
            int inFlight = 0;
            long pid = 0;
            FrontendContext c = r.server() == null ? null : r.server().frontend();
            if (c != null) {
                requests = c.counters().requestsTotal();
                workers = c.dispatcher().workers().size();
                inFlight = c.dispatcher().inFlight();
                pid = ProcessHandle.current().pid();
            }
            sb.append(i > 0 ? "," : "").append("{\"id\":").append(str(r.name()))
                    .append(",\"file\":").append(str(r.file()))
                    .append(",\"state\":").append(str(r.state()))
                    .append(",\"reason\":").append(r.reason() == null ? "null" : str(r.reason()))
                    .append(",\"pid\":").append(pid)
                    .append(",\"born\":").append(r.startedMillis() / 1000)
                    .append(",\"uptime\":").append(r.startedMillis() == 0 ? 0 : (now - r.startedMillis()) / 1000)
                    .append(",\"last_mod\":").append(r.lastModMillis() / 1000)
                    .append(",\"on_demand\":").append(r.onDemand() ? 1 : 0)
                    .append(",\"ready\":").append(r.state().equals("ready") ? 1 : 0)
                    .append(",\"requests\":").append(requests)
                    .append(",\"in_flight\":").append(inFlight)
                    .append(",\"workers\":").append(workers)
                    .append(",\"respawns\":").append(r.respawns())
                    .append(",\"throttle_ms\":").append(r.throttleMs())
                    .append(",\"failures\":").append(r.failures())
                    .append(",\"domains\":[");
            for (int d = 0; d < r.domains().size(); d++) {
                sb.append(d > 0 ? "," : "").append(str(r.domains().get(d)));
            }
            sb.append("]}");
        }
        return sb.append("]}\n").toString();
    }

    static String str(String s) {
        return JsonString.quote(new StringBuilder(s.length() + 2), s).toString();
    }

    @Override
    public void close() {
        listeners.close();
    }
}
