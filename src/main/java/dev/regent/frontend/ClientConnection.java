package dev.regent.frontend;

import dev.regent.dispatch.Dispatcher;
import dev.regent.logging.RequestLog;
import dev.regent.protocol.RequestHead;
import dev.regent.staticfiles.StaticFiles;
import dev.regent.staticfiles.StaticReply;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.util.concurrent.ScheduledFuture;

import java.util.concurrent.TimeUnit;

/**
 * One client connection (HTTP/1.1 or uwsgi). Requests on it are served one at a time, in
 * order: while one is in flight, pipelined bytes wait in the cumulation buffer, which keeps
 * responses in request order without any reordering machinery.
 *
 * <p>States: {@code HEAD} (reading a request head, under the header timeout), {@code BODY}
 * (relaying the request body to the worker slot, once one is assigned), {@code AWAIT} (the
 * body is done; waiting for the response), {@code CLOSED}.
 *
 * <p>Threading: all methods run on the connection's event loop, which is also the loop of
 * the dispatcher and of every worker slot channel, so nothing here is shared across threads.
 */
public final class ClientConnection extends ChannelInboundHandlerAdapter {

    private enum State { HEAD, BODY, AWAIT, CLOSED }

    /** Stop reading from the client when this many unparsed bytes are waiting. */
    private static final int MAX_BUFFERED = 256 * 1024;

    private final FrontendContext context;
    private final HeadDecoder decoder;
    private Channel channel;
    private ByteBuf cumulation = Unpooled.EMPTY_BUFFER;
    private State state = State.HEAD;
    private Exchange current;
    private BodyDecoder chunked;
    /** A chunked request is dispatched only once its first chunk is known to be well formed. */
    private boolean submitPending;
    /** The first decoded piece of a chunked body (a ByteBuf or BodyDecoder.END), held until dispatch. */
    private Object firstPiece;
    private long bodyRemaining;
    private ScheduledFuture<?> headTimer;
    private boolean processing;
    private boolean again;
    private boolean paused;
    private boolean sawHeadBytes;
    /** A static file is being sent: the next request waits until it is out (back-pressure, order). */
    private boolean staticPending;

    public ClientConnection(FrontendContext context, HeadDecoder decoder) {
        this.context = context;
        this.decoder = decoder;
    }

    @Override
    public void channelActive(ChannelHandlerContext ctx) {
        channel = ctx.channel();
        context.connections().add(this);
        armHeadTimer();
        ctx.fireChannelActive();
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        ByteBuf in = (ByteBuf) msg;
        if (state == State.CLOSED) {
            in.release();
            return;
        }
        if (!cumulation.isReadable()) {
            cumulation.release();
            cumulation = in;
        } else {
            if (cumulation.writableBytes() < in.readableBytes() || cumulation.refCnt() > 1 || cumulation.isReadOnly()) {
                ByteBuf bigger = ctx.alloc().directBuffer(cumulation.readableBytes() + in.readableBytes());
                bigger.writeBytes(cumulation);
                cumulation.release();
                cumulation = bigger;
            }
            cumulation.writeBytes(in);
            in.release();
        }
        process();
    }

    @Override
    public void channelInactive(ChannelHandlerContext ctx) {
        closeState();
        ctx.fireChannelInactive();
    }

    @Override
    public void userEventTriggered(ChannelHandlerContext ctx, Object evt) {
        if (evt instanceof io.netty.channel.socket.ChannelInputShutdownEvent) {
            onHalfClose();
        }
        ctx.fireUserEventTriggered(evt);
    }

    /**
     * The client shut down its sending side: answer every complete request already received,
     * then close. A request head cut short gets 400; a body cut short ends where the client
     * stopped (it can send nothing more), so the app sees what was sent.
     */
    private void onHalfClose() {
        halfClosed = true;
        if (state == State.BODY) {
            process();
            return;
        }
        if (state == State.HEAD && current == null && !staticPending) {
            process();
            if (state == State.HEAD && current == null && !staticPending) {
                if (sawHeadBytes && cumulation.isReadable()) {
                    context.log().warn(remote() + " closed its side in the middle of a request head");
                    respondAndClose(400, false);
                } else {
                    channel.close();
                }
            }
        }
    }

    private boolean halfClosed;

    @Override
    public void channelWritabilityChanged(ChannelHandlerContext ctx) {
        if (ctx.channel().isWritable()) {
            unwritableSince = 0;
            if (current != null && current.slot() != null) {
                current.slot().channel().config().setAutoRead(true);
            }
        } else if (unwritableSince == 0) {
            unwritableSince = System.nanoTime();
        }
        ctx.fireChannelWritabilityChanged();
    }

    /** When the client stopped taking response bytes (0 = it takes them). */
    private long unwritableSince;

    /** Closes the connection when its client has not read anything for {@code timeoutNanos}. */
    void closeIfStalled(long now, long timeoutNanos) {
        if (unwritableSince != 0 && now - unwritableSince >= timeoutNanos && channel.isActive()) {
            context.log().warn(remote() + " has not read its response for "
                    + java.util.concurrent.TimeUnit.NANOSECONDS.toSeconds(now - unwritableSince)
                    + " s (socket-timeout): closing the connection");
            channel.close();
        }
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
        // Resets and broken pipes are how clients leave; they are not server errors.
        ctx.close();
    }

    /** Decodes and relays as far as the buffered bytes allow. Re-entrant calls are folded into a loop. */
    void process() {
        if (processing) {
            again = true;
            return;
        }
        processing = true;
        try {
            do {
                again = false;
                step();
            } while (again && state != State.CLOSED);
        } finally {
            processing = false;
        }
    }

    private void step() {
        while (true) {
            switch (state) {
                case HEAD -> {
                    if (staticPending) {
                        if (cumulation.readableBytes() > MAX_BUFFERED) {
                            pauseReading();
                        }
                        return;
                    }
                    if (current != null || !readHead()) {
                        return;
                    }
                }
                case BODY -> {
                    if (submitPending && !submitAfterFirstChunk()) {
                        if (cumulation.readableBytes() > MAX_BUFFERED) {
                            pauseReading();
                        }
                        return;
                    }
                    if (!current.dispatched() || !relayBody()) {
                        if (cumulation.readableBytes() > MAX_BUFFERED) {
                            pauseReading();
                        }
                        return;
                    }
                }
                case AWAIT -> {
                    if (cumulation.readableBytes() > MAX_BUFFERED) {
                        pauseReading();
                    }
                    return;
                }
                case CLOSED -> {
                    return;
                }
            }
        }
    }

    private boolean readHead() {
        if (!cumulation.isReadable()) {
            return false;
        }
        if (!sawHeadBytes) {
            sawHeadBytes = true;
            armHeadTimer();
        }
        Object result = decoder.decode(cumulation);
        if (result == null) {
            return false;
        }
        if (result instanceof DecodeError error) {
            context.log().warn(remote() + " bad request: " + error.reason());
            respondAndClose(error.status(), false);
            return false;
        }
        RequestHead head = (RequestHead) result;
        cancelHeadTimer();
        sawHeadBytes = false;
        long limit = context.limitPost();
        if (head.framing() == RequestHead.BodyFraming.LENGTH && limit > 0 && head.contentLength() > limit) {
            head.environ().release();
            context.log().warn(describe(head) + " rejected: body of " + head.contentLength()
                    + " bytes (expected: <= limit-post " + limit + ")");
            respondAndClose(413, head.http10());
            return false;
        }
        StaticFiles statics = context.staticFiles();
        if (statics != null && head.framing() == RequestHead.BodyFraming.NONE) {
            StaticReply reply = statics.answer(head.method(), head.uri(), head.environ());
            if (reply != null) {
                serveStatic(head, reply);
                return false;
            }
        }
        current = new Exchange(this, head, System.nanoTime(), context.requestLog().needsEnviron());
        switch (head.framing()) {
            case NONE -> state = State.AWAIT;
            case LENGTH -> {
                state = State.BODY;
                bodyRemaining = head.contentLength();
            }
            case CHUNKED -> {
                state = State.BODY;
                chunked = decoder.chunkedBody();
                submitPending = true;
                if (head.expectContinue()) {
                    // The client sends no chunk before it sees 100, and the request is not
                    // dispatched before its first chunk: so the master answers 100 itself.
                    current.continueSent();
                    writeContinue();
                }
                return true;
            }
        }
        context.dispatcher().submit(current);
        return true;
    }

    /**
     * Decodes the first chunk of a chunked body before the request reaches a worker, so that a
     * malformed chunked body gets 400 without the app ever being called.
     */
    private boolean submitAfterFirstChunk() {
        Object piece = chunked.next(cumulation);
        if (piece == null) {
            return false;
        }
        if (piece instanceof DecodeError error) {
            Exchange ex = current;
            chunked = null;
            ex.reject(error.status(), "bad chunked body: " + error.reason());
            return false;
        }
        firstPiece = piece;
        submitPending = false;
        context.dispatcher().submit(current);
        return true;
    }

    /**
     * The master answers from the file system (sendfile). The next pipelined request is read only
     * once this response has been written, so a client that does not read cannot pile up files.
     */
    private void serveStatic(RequestHead head, StaticReply reply) {
        long start = System.nanoTime();
        boolean close = rawResponses() || !head.keepAlive() || closing();
        int status = reply.status();
        long bytes = reply.write(channel, head.http10(), close, context.dateLine());
        if (reply.refusal() != null) {
            context.log().warn(describe(head) + " refused: " + reply.refusal());
        }
        if (bytes < 0) {
            status = 403;
            bytes = 0;
            close = true;
            channel.write(ErrorResponses.error(channel.alloc(), 403, head.http10(), context.dateLine()),
                    channel.voidPromise());
        }
        long nanos = System.nanoTime() - start;
        context.requestLog().log(this, head, head.environ(), status, bytes, 0, 0, nanos, 0, 0, 0);
        context.counters().recordStatic(status, bytes, nanos);
        head.environ().release();
        everServed = true;
        io.netty.channel.ChannelFuture written = channel.writeAndFlush(Unpooled.EMPTY_BUFFER);
        if (close) {
            state = State.CLOSED;
            written.addListener(ChannelFutureListener.CLOSE);
            return;
        }
        staticPending = true;
        written.addListener(f -> staticWritten());
    }

    private void staticWritten() {
        staticPending = false;
        if (state != State.HEAD || !channel.isActive()) {
            return;
        }
        if (context.closing()) {
            channel.close();
            return;
        }
        resumeReading();
        armHeadTimer();
        process();
        if (halfClosed && state == State.HEAD && current == null && !staticPending) {
            channel.close();
        }
    }

    /** Relays buffered body bytes; returns true when the body is complete. */
    private boolean relayBody() {
        Exchange ex = current;
        if (chunked == null) {
            int n = (int) Math.min(bodyRemaining, cumulation.readableBytes());
            if (n > 0) {
                ex.sendBody(cumulation.readRetainedSlice(n));
                bodyRemaining -= n;
            }
            if (bodyRemaining > 0) {
                if (!halfClosed) {
                    return false;
                }
                // The client can send nothing more: the body ends with what it sent.
                bodyRemaining = 0;
            }
        } else {
            while (true) {
                Object piece = firstPiece != null ? firstPiece : chunked.next(cumulation);
                firstPiece = null;
                if (piece == null) {
                    return false;
                }
                if (piece == BodyDecoder.END) {
                    break;
                }
                if (piece instanceof DecodeError error) {
                    context.log().warn(describe(ex.head) + " bad chunked body: " + error.reason());
                    ex.endBody(true);
                    if (!ex.responseStarted() && !ex.finished()) {
                        ex.clientGone();
                        respondAndClose(error.status(), ex.head.http10());
                    } else {
                        channel.close();
                    }
                    return false;
                }
                ex.sendBody((ByteBuf) piece);
            }
            chunked = null;
        }
        ex.endBody(false);
        state = State.AWAIT;
        return true;
    }

    // ---- callbacks from the Exchange ----

    void dispatched(Exchange ex) {
        if (ex == current && state == State.BODY) {
            process();
        }
    }

    void writeContinue() {
        channel.writeAndFlush(ErrorResponses.continue100(channel.alloc()), channel.voidPromise());
    }

    /** The response has been fully written; go on with the next pipelined request. */
    void completed(Exchange ex) {
        logRequest(ex);
        current = null;
        everServed = true;
        if (ex.closeAfter || state != State.AWAIT || halfClosedAndDrained()) {
            channel.writeAndFlush(Unpooled.EMPTY_BUFFER).addListener(ChannelFutureListener.CLOSE);
            state = State.CLOSED;
            return;
        }
        channel.flush();
        state = State.HEAD;
        resumeReading();
        armHeadTimer();
        process();
        if (halfClosed && state == State.HEAD && current == null) {
            channel.close();
        }
    }

    private boolean halfClosedAndDrained() {
        return halfClosed && !cumulation.isReadable();
    }

    /** Answers the current request with an error status and closes. */
    void failExchange(Exchange ex, int status) {
        ex.status = status;
        logRequest(ex);
        current = null;
        respondAndClose(status, ex.head.http10());
    }

    /** The response was started but cannot be completed: cut the connection. */
    void abort(Exchange ex) {
        logRequest(ex);
        current = null;
        state = State.CLOSED;
        channel.flush();
        channel.close();
    }

    void logRequest(Exchange ex) {
        long nanos = System.nanoTime() - ex.startNanos;
        int workerId = ex.slot() == null ? 0 : ex.slot().worker().workerId();
        try {
            context.requestLog().log(this, ex.head, ex.logEnviron(), ex.status, ex.bytesSent, ex.headBytes,
                    ex.headerCount, nanos, workerId, ex.slot() == null ? 0 : ex.slot().worker().pid(),
                    ex.slot() == null ? 0 : ex.slot().index());
        } finally {
            ex.releaseLogEnviron();
        }
        context.counters().record(workerId, ex.slot() == null ? 0 : ex.slot().index(), ex.status, ex.bytesSent,
                nanos, ex.dispatchedAt == 0 ? -1 : ex.dispatchedAt - ex.startNanos);
    }

    void pauseReading() {
        if (!paused) {
            paused = true;
            channel.config().setAutoRead(false);
        }
    }

    private void resumeReading() {
        if (paused) {
            paused = false;
            channel.config().setAutoRead(true);
        }
    }

    /** The slot of the current exchange became writable again: resume relaying the body. */
    public void slotWritable() {
        if (state == State.BODY) {
            resumeReading();
            process();
        }
    }

    boolean rawResponses() {
        return decoder.rawResponses();
    }

    /** The request log wants the response's header fields counted (%(headers)). */
    boolean countHeaders() {
        return context.requestLog().needsHeaderCount();
    }

    /**
     * True when this response must be the last one on the connection: the server is stopping,
     * or the client half-closed and no further (pipelined) request is buffered. A half-close
     * with requests still buffered keeps the connection open until they are answered too.
     */
    boolean closing() {
        return context.closing() || halfClosedAndDrained();
    }

    byte[] dateLine() {
        return context.dateLine();
    }

    Channel channel() {
        return channel;
    }

    Dispatcher dispatcher() {
        return context.dispatcher();
    }

    RequestLog.Logger log() {
        return context.log();
    }

    public String remote() {
        if (!(channel instanceof io.netty.channel.unix.DomainSocketChannel)
                && channel.remoteAddress() instanceof java.net.InetSocketAddress a) {
            return a.getAddress().getHostAddress() + ":" + a.getPort();
        }
        return "unix";
    }

    String describe(RequestHead head) {
        return remote() + " " + head.method() + " " + head.uri();
    }

    /** True while no request is in flight on this connection (used by graceful shutdown). */
    public boolean idle() {
        return current == null && !sawHeadBytes && !staticPending;
    }

    /** Graceful shutdown: close now if idle, else after the current response. */
    public void closeWhenIdle() {
        if (idle()) {
            channel.close();
        }
    }

    private void respondAndClose(int status, boolean http10) {
        state = State.CLOSED;
        cancelHeadTimer();
        if (status == 0 || rawResponses() && status < 500) {
            channel.close();
            return;
        }
        channel.writeAndFlush(ErrorResponses.error(channel.alloc(), status, http10, context.dateLine()))
                .addListener(ChannelFutureListener.CLOSE);
    }

    /** A fresh head gets the header timeout; an idle keep-alive connection the keep-alive timeout. */
    private void armHeadTimer() {
        cancelHeadTimer();
        long millis = sawHeadBytes || !everServed ? context.headerTimeoutMillis() : context.keepaliveTimeoutMillis();
        headTimer = channel.eventLoop().schedule(this::headTimeout, millis, TimeUnit.MILLISECONDS);
    }

    private boolean everServed;

    private void cancelHeadTimer() {
        if (headTimer != null) {
            headTimer.cancel(false);
            headTimer = null;
        }
    }

    private void headTimeout() {
        headTimer = null;
        if (state != State.HEAD || current != null || staticPending) {
            return;
        }
        if (sawHeadBytes) {
            context.log().warn(remote() + " sent an incomplete request head for too long; closing");
            respondAndClose(408, false);
        } else {
            state = State.CLOSED;
            channel.close();
        }
    }

    private void closeState() {
        cancelHeadTimer();
        state = State.CLOSED;
        context.connections().remove(this);
        if (current != null) {
            Exchange ex = current;
            current = null;
            if (!ex.finished()) {
                if (!ex.dispatched()) {
                    context.dispatcher().cancel(ex);
                }
                ex.clientGone();
            }
        }
        if (firstPiece instanceof ByteBuf held) {
            held.release();
        }
        firstPiece = null;
        cumulation.release();
        cumulation = Unpooled.EMPTY_BUFFER;
    }
}
