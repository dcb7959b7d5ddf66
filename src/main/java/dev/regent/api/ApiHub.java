package dev.regent.api;

import dev.regent.config.ApiSpec;
import dev.regent.dispatch.Dispatcher;
import dev.regent.dispatch.WorkerSlots;
import dev.regent.protocol.worker.Frame;
import dev.regent.protocol.worker.FrameType;
import dev.regent.protocol.worker.Hello;
import io.netty.buffer.ByteBuf;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandler;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.EventLoop;

import java.nio.charset.StandardCharsets;
import java.time.ZoneId;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;

/**
 * The master's half of the uwsgi signal and mule API: signal registrations and their targets,
 * the {@link Scheduler}, and the mules' connections with a queue per mule.
 *
 * <p>Threading: everything runs on the I/O event loop that owns the dispatcher and every worker
 * connection, so nothing here is locked.
 */
public final class ApiHub {
    /** Messages kept for a mule that is not connected (respawning) before new ones are dropped. */
    static final int MULE_QUEUE_LIMIT = 10_000;
    private static final long TICK_MILLIS = 10;
    /** ADD_TIMER / ADD_CRON flag: the signal's timer or cron is unique (see {@link UniqueDeliveries}). */
    static final int FLAG_UNIQUE = 0x01;

    private final ApiSpec spec;
    private final Dispatcher dispatcher;
    private final Consumer<String> log;
    private final Scheduler scheduler = new Scheduler(ZoneId.systemDefault());
    private final Map<Integer, String> targets = new HashMap<>();
    private final Map<Integer, Channel> mules = new HashMap<>();
    private final Map<Integer, ArrayDeque<byte[]>> pending = new HashMap<>();
    private final Map<String, Integer> roundRobin = new HashMap<>();
    private final Set<String> warned = new LinkedHashSet<>();
    private final UniqueDeliveries unique = new UniqueDeliveries();
    /** Unique signals sent to each mule and not answered yet: signal and place, in order. */
    private final Map<Integer, ArrayDeque<Object[]>> muleRunning = new HashMap<>();

    public ApiHub(ApiSpec spec, Dispatcher dispatcher, Consumer<String> log) {
        this.spec = spec;
        this.dispatcher = dispatcher;
        this.log = log;
    }

    /** Starts the scheduler's clock on {@code loop}; cancel the result when the loop outlives the server. */
    public java.util.concurrent.Future<?> start(EventLoop loop) {
        return loop.scheduleAtFixedRate(() -> {
            for (int signal : scheduler.tick(System.currentTimeMillis())) {
                raise(signal);
            }
        }, TICK_MILLIS, TICK_MILLIS, TimeUnit.MILLISECONDS);
    }

    /** The handler for a HELLO of role 3 (mule) or 4 (API); null refuses the connection. */
    public ChannelHandler handlerFor(Hello hello) {
        if (hello.role() == FrameType.ROLE_API) {
            return new ApiConnection();
        }
        if (hello.role() == FrameType.ROLE_MULE && hello.workerId() >= 1 && hello.workerId() <= spec.mules().size()) {
            return new MuleConnection(hello.workerId());
        }
        return null;
    }

    // -- frames from any process --------------------------------------------------------

    void onApiFrame(Frame frame) {
        ByteBuf p = frame.payload();
        int at = p.readerIndex();
        int n = p.readableBytes();
        switch (frame.type()) {
            case FrameType.REGISTER_SIGNAL -> targets.put((int) p.getUnsignedByte(at),
                    p.toString(at + 1, n - 1, StandardCharsets.UTF_8));
            case FrameType.ADD_TIMER -> {
                if ((p.getUnsignedByte(at + 1) & FLAG_UNIQUE) != 0) {
                    unique.markUnique(p.getUnsignedByte(at));
                }
                scheduler.addTimer(p.getUnsignedByte(at), p.getUnsignedIntLE(at + 2),
                        (int) p.getUnsignedIntLE(at + 6), System.currentTimeMillis());
            }
            case FrameType.ADD_CRON -> {
                // The flags byte is optional: an 11-byte payload is an ordinary cron.
                if (n >= 12 && (p.getUnsignedByte(at + 11) & FLAG_UNIQUE) != 0) {
                    unique.markUnique(p.getUnsignedByte(at));
                }
                scheduler.addCron(p.getUnsignedByte(at), p.getShortLE(at + 1),
                        p.getShortLE(at + 3), p.getShortLE(at + 5), p.getShortLE(at + 7), p.getShortLE(at + 9));
            }
            case FrameType.RAISE_SIGNAL -> raise(p.getUnsignedByte(at));
            case FrameType.MULE_MSG -> muleMsg(p, at, n);
            default -> log.accept("uwsgi API connection: unexpected frame 0x" + Integer.toHexString(frame.type()));
        }
    }

    /** Runs signal {@code n}'s handler where its target says. */
    public void raise(int n) {
        String target = targets.get(n);
        if (target == null) {
            warnOnce("signal " + n, "uwsgi signal " + n + " raised but never registered: ignored");
            return;
        }
        switch (target) {
            case "", "worker", "worker0" -> {
                if (unique.begin(n, "worker")) {
                    dispatcher.submit(signalJob(n, "worker"));
                }
            }
            case "workers", "active-workers" -> {
                for (int id : workerIds()) {
                    if (unique.begin(n, "worker" + id)) {
                        dispatcher.submitTo(id, signalJob(n, "worker" + id));
                    }
                }
            }
            case "mule" -> {
                if (unique.begin(n, "mule")) {
                    runOnMule(n, next("mule", allMules()), "mule");
                }
            }
            case "mules" -> {
                for (int id : allMules()) {
                    if (unique.begin(n, "mule" + id)) {
                        runOnMule(n, id, "mule" + id);
                    }
                }
            }
            default -> {
                if (target.startsWith("worker") && isNumber(target.substring(6))) {
                    int id = Integer.parseInt(target.substring(6));
                    if (unique.begin(n, "worker" + id)) {
                        dispatcher.submitTo(id, signalJob(n, "worker" + id));
                    }
                } else if (target.startsWith("mule") && isNumber(target.substring(4))) {
                    int id = Integer.parseInt(target.substring(4));
                    if (unique.begin(n, "mule" + id)) {
                        runOnMule(n, id, "mule" + id);
                    }
                } else if (target.startsWith("farm_") && spec.farms().containsKey(target.substring(5))) {
                    String farm = target.substring(5);
                    if (unique.begin(n, target)) {
                        runOnMule(n, next("farm " + farm, spec.farms().get(farm)), target);
                    }
                } else {
                    warnOnce("target " + target, "uwsgi signal " + n + ": target \"" + target
                            + "\" is not supported (worker, workers, workerN, active-workers, mule, mules, muleN, "
                            + "farm_NAME)");
                }
            }
        }
    }

    private SignalJob signalJob(int n, String place) {
        return unique.isUnique(n) ? new SignalJob(dispatcher, n, log, () -> unique.end(n, place))
                : new SignalJob(dispatcher, n, log);
    }

    private void runOnMule(int n, int id, String place) {
        if (id < 1) {
            unique.end(n, place);
            return;
        }
        if (unique.isUnique(n)) {
            muleRunning.computeIfAbsent(id, k -> new ArrayDeque<>()).addLast(new Object[] {n, place});
        }
        sendToMule(id, runSignal(n));
    }

    /** SIGNAL_DONE from mule {@code id}: its oldest unanswered unique delivery of that signal ended. */
    private void muleSignalDone(int id, int n) {
        ArrayDeque<Object[]> q = muleRunning.get(id);
        if (q == null) {
            return;
        }
        for (var it = q.iterator(); it.hasNext(); ) {
            Object[] e = it.next();
            if ((int) e[0] == n) {
                it.remove();
                unique.end(n, (String) e[1]);
                return;
            }
        }
    }

    /** Mule {@code id}'s connection closed: what it was running died with it. */
    private void muleGone(int id) {
        ArrayDeque<Object[]> q = muleRunning.remove(id);
        if (q != null) {
            for (Object[] e : q) {
                unique.end((int) e[0], (String) e[1]);
            }
        }
    }

    /** For tests: true while a unique delivery of {@code n} at {@code place} has not finished. */
    boolean uniqueRunning(int n, String place) {
        return unique.running(n, place);
    }

    private void muleMsg(ByteBuf p, int at, int n) {
        int kind = p.getUnsignedByte(at);
        int muleId = (int) p.getUnsignedIntLE(at + 1);
        int farmLength = p.getUnsignedByte(at + 5);
        String farm = p.toString(at + 6, farmLength, StandardCharsets.UTF_8);
        int start = at + 6 + farmLength;
        byte[] message = new byte[n - 6 - farmLength];
        p.getBytes(start, message);
        int target = switch (kind) {
            case 1 -> muleId;
            case 2 -> spec.farms().containsKey(farm) ? next("farm " + farm, spec.farms().get(farm)) : -1;
            default -> next("mule", allMules());
        };
        if (target < 1) {
            warnOnce("mule target", "mule message without a mule to take it (kind " + kind + ", farm \"" + farm + "\")");
            return;
        }
        sendToMule(target, frame(FrameType.MULE_MESSAGE, message));
    }

    // -- mules ----------------------------------------------------------------------------

    private void sendToMule(int id, byte[] frame) {
        if (id < 1) {
            return;
        }
        Channel ch = mules.get(id);
        if (ch != null && ch.isActive()) {
            ch.writeAndFlush(ch.alloc().buffer(frame.length).writeBytes(frame));
            return;
        }
        ArrayDeque<byte[]> q = pending.computeIfAbsent(id, k -> new ArrayDeque<>());
        if (q.size() >= MULE_QUEUE_LIMIT) {
            warnOnce("mule queue " + id, "mule " + id + " is not connected and " + q.size()
                    + " messages wait for it: dropping new ones");
            return;
        }
        q.addLast(frame);
    }

    private void muleConnected(int id, Channel ch) {
        Channel old = mules.put(id, ch);
        if (old != null && old != ch) {
            old.close();
            muleGone(id); // the old connection's unanswered signals will never be answered
        }
        ArrayDeque<byte[]> q = pending.remove(id);
        if (q != null) {
            for (byte[] frame : q) {
                ch.write(ch.alloc().buffer(frame.length).writeBytes(frame));
            }
            ch.flush();
        }
    }

    private List<Integer> allMules() {
        List<Integer> ids = new ArrayList<>();
        for (ApiSpec.MuleSpec m : spec.mules()) {
            ids.add(m.id());
        }
        return ids;
    }

    private List<Integer> workerIds() {
        Set<Integer> ids = new LinkedHashSet<>();
        for (WorkerSlots w : dispatcher.workers()) {
            if (!w.draining()) {
                ids.add(w.workerId());
            }
        }
        return List.copyOf(ids);
    }

    /** Round robin over {@code ids}, per {@code key}. */
    private int next(String key, List<Integer> ids) {
        if (ids.isEmpty()) {
            return -1;
        }
        int i = roundRobin.merge(key, 1, Integer::sum);
        return ids.get(Math.floorMod(i - 1, ids.size()));
    }

    private static byte[] runSignal(int n) {
        return frame(FrameType.RUN_SIGNAL, new byte[] {(byte) n});
    }

    /** A whole frame: u32 length (LE), u8 type, payload. */
    static byte[] frame(int type, byte[] payload) {
        byte[] out = new byte[5 + payload.length];
        int len = payload.length;
        out[0] = (byte) len;
        out[1] = (byte) (len >>> 8);
        out[2] = (byte) (len >>> 16);
        out[3] = (byte) (len >>> 24);
        out[4] = (byte) type;
        System.arraycopy(payload, 0, out, 5, payload.length);
        return out;
    }

    private static boolean isNumber(String s) {
        return !s.isEmpty() && s.length() < 6 && s.chars().allMatch(Character::isDigit);
    }

    private void warnOnce(String key, String message) {
        if (warned.add(key)) {
            log.accept(message);
        }
    }

    /** A process's API connection: frames only flow towards the master. */
    private final class ApiConnection extends ChannelInboundHandlerAdapter {
        @Override
        public void channelRead(ChannelHandlerContext ctx, Object msg) {
            Frame frame = (Frame) msg;
            try {
                onApiFrame(frame);
            } catch (RuntimeException e) {
                log.accept("uwsgi API connection: bad frame 0x" + Integer.toHexString(frame.type()) + ": " + e);
                ctx.close();
            } finally {
                frame.release();
            }
        }

        @Override
        public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
            ctx.close();
        }
    }

    /** A mule's connection: messages and signals go out; SIGNAL_DONE comes back (and is only read). */
    private final class MuleConnection extends ChannelInboundHandlerAdapter {
        private final int id;

        MuleConnection(int id) {
            this.id = id;
        }

        @Override
        public void handlerAdded(ChannelHandlerContext ctx) {
            muleConnected(id, ctx.channel());
        }

        @Override
        public void channelRead(ChannelHandlerContext ctx, Object msg) {
            Frame frame = (Frame) msg;
            try {
                if (frame.type() == FrameType.SIGNAL_DONE && frame.payload().isReadable()) {
                    muleSignalDone(id, frame.payload().getUnsignedByte(frame.payload().readerIndex()));
                }
            } finally {
                frame.release();
            }
        }

        @Override
        public void channelInactive(ChannelHandlerContext ctx) {
            if (mules.remove(id, ctx.channel())) {
                muleGone(id);
            }
        }

        @Override
        public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
            ctx.close();
        }
    }
}
