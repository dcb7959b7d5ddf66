package dev.regent.frontend;

import dev.regent.dispatch.Job;
import dev.regent.dispatch.Slot;
import dev.regent.protocol.RequestHead;
import dev.regent.protocol.worker.Frame;
import dev.regent.protocol.worker.FrameType;
import dev.regent.protocol.worker.Frames;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.netty.channel.Channel;
import io.netty.channel.DefaultFileRegion;

import java.io.IOException;
import java.io.RandomAccessFile;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;

/**
 * One request and its response, from the moment its head is decoded until the worker's
 * RESPONSE_END (or a failure). Relays the request body to the slot and the response frames to
 * the client, choosing the response framing (RFC 9112 section 6): Content-Length when the app
 * gave one, chunked for HTTP/1.1 otherwise, close-delimited for HTTP/1.0 and raw uwsgi; never a
 * body for HEAD, 1xx, 204 and 304.
 *
 * <p>Call order, all on the I/O loop: {@link #start} (from the dispatcher), then any number of
 * {@link #sendBody} and one {@link #endBody} from the connection, interleaved with
 * {@link #onWorkerFrame} from the slot, until the exchange finishes.
 */
final class Exchange implements Job {
    private static final byte[] HTTP11 = "HTTP/1.1 ".getBytes(StandardCharsets.US_ASCII);
    private static final byte[] HTTP10 = "HTTP/1.0 ".getBytes(StandardCharsets.US_ASCII);
    private static final byte[] CHUNKED = "Transfer-Encoding: chunked\r\n".getBytes(StandardCharsets.US_ASCII);
    private static final byte[] CLOSE = "Connection: close\r\n".getBytes(StandardCharsets.US_ASCII);
    private static final byte[] KEEP_ALIVE = "Connection: keep-alive\r\n".getBytes(StandardCharsets.US_ASCII);
    private static final byte[] LAST_CHUNK = "0\r\n\r\n".getBytes(StandardCharsets.US_ASCII);
    private static final int HEAD_FIXED = 12;

    private enum Framing { NONE, LENGTH, CHUNKED, UNTIL_CLOSE }

    final ClientConnection conn;
    final RequestHead head;
    final long startNanos;
    private Slot slot;
    private boolean bodyEnded;
    private boolean cancelled;
    private boolean finished;
    private boolean responseStarted;
    private Framing framing;
    private long remaining;
    private boolean pendingFlush;
    int status;
    long bytesSent;
    /** When a slot took this request (System.nanoTime()); 0 while queued. */
    long dispatchedAt;
    boolean closeAfter;
    /** Response head bytes written, and the app's header fields when the log counts them. */
    long headBytes;
    int headerCount;
    /**
     * The environ kept for the request log (a retained duplicate: the original goes to the
     * worker and is released by the write); null when nothing could be logged.
     */
    private ByteBuf logEnviron;

    Exchange(ClientConnection conn, RequestHead head, long startNanos, boolean keepEnviron) {
        this.conn = conn;
        this.head = head;
        this.startNanos = startNanos;
        this.bodyEnded = head.framing() == RequestHead.BodyFraming.NONE;
        this.logEnviron = keepEnviron ? head.environ().retainedDuplicate() : null;
    }

    ByteBuf logEnviron() {
        return logEnviron;
    }

    /** Drops the environ kept for the log; every path that ends the exchange calls this once. */
    void releaseLogEnviron() {
        if (logEnviron != null) {
            logEnviron.release();
            logEnviron = null;
        }
    }

    private boolean continueSent;

    /** The connection already answered {@code 100 Continue} (chunked bodies are checked first). */
    void continueSent() {
        continueSent = true;
    }

    boolean dispatched() {
        return slot != null;
    }

    boolean finished() {
        return finished;
    }

    boolean responseStarted() {
        return responseStarted;
    }

    Slot slot() {
        return slot;
    }

    @Override
    public boolean cancelled() {
        return cancelled;
    }

    @Override
    public String describe() {
        return conn.describe(head);
    }

    @Override
    public void start(Slot slot) {
        this.slot = slot;
        this.dispatchedAt = slot.assignedAt();
        Channel ch = slot.channel();
        ByteBuf environ = head.environ();
        ByteBuf header = ch.alloc().directBuffer(6);
        header.writeIntLE(environ.readableBytes() + 1).writeByte(FrameType.REQUEST)
                .writeByte(bodyEnded ? FrameType.REQUEST_NO_BODY : 0);
        ch.write(header, ch.voidPromise());
        ch.writeAndFlush(environ, ch.voidPromise());
        if (cancelled) {
            endBody(true);
            return;
        }
        if (head.expectContinue() && !bodyEnded && !continueSent) {
            conn.writeContinue();
        }
        conn.dispatched(this);
    }

    @Override
    public void reject(int status, String reason) {
        head.environ().release();
        finished = true;
        conn.log().warn(conn.describe(head) + " rejected: " + reason);
        this.status = status;
        conn.failExchange(this, status);
    }

    /** Forwards a piece of the request body (takes ownership of {@code data}). */
    void sendBody(ByteBuf data) {
        if (bodyEnded || slot == null) {
            data.release();
            return;
        }
        Channel ch = slot.channel();
        ch.write(Frames.bodyHeader(ch.alloc(), data.readableBytes()), ch.voidPromise());
        ch.writeAndFlush(data, ch.voidPromise());
        if (!ch.isWritable()) {
            conn.pauseReading();
        }
    }

    /** The request body is complete (or, aborted, will never be). */
    void endBody(boolean aborted) {
        if (bodyEnded) {
            return;
        }
        bodyEnded = true;
        if (slot != null) {
            Channel ch = slot.channel();
            ch.writeAndFlush(Frames.bodyEnd(ch.alloc(), aborted), ch.voidPromise());
        }
    }

    boolean bodyEnded() {
        return bodyEnded;
    }

    /** The client went away: stop relaying, let the worker finish and free its slot. */
    void clientGone() {
        cancelled = true;
        if (slot == null) {
            head.environ().release();
            releaseLogEnviron();
            finished = true;
            return;
        }
        endBody(true);
        if (!finished) {
            // Without this the worker would stream the rest of the response into the void,
            // its thread busy until the app's iterator ends.
            Channel ch = slot.channel();
            ch.writeAndFlush(Frames.abort(ch.alloc()), ch.voidPromise());
        }
        if (!slot.channel().config().isAutoRead()) {
            slot.channel().config().setAutoRead(true);
        }
    }

    @Override
    public void workerLost(Slot lost) {
        if (finished) {
            return;
        }
        finished = true;
        bodyEnded = true;
        int code = lost.harakiriFired() ? 504 : 502;
        if (code == 502) {
            conn.log().error(conn.describe(head) + ": worker " + lost.worker().workerId() + " (pid "
                    + lost.worker().pid() + ") died while serving it");
        }
        if (cancelled) {
            releaseLogEnviron();
            return;
        }
        if (responseStarted) {
            status = status == 0 ? code : status;
            conn.abort(this);
        } else {
            status = code;
            conn.failExchange(this, code);
        }
    }

    /** A frame from the slot serving this exchange. Takes ownership of the frame. */
    void onWorkerFrame(Frame frame) {
        try {
            switch (frame.type()) {
                case FrameType.RESPONSE_HEAD -> onHead(frame.payload());
                case FrameType.RESPONSE_BODY -> onBody(frame.payload().retain());
                case FrameType.SENDFILE -> onSendfile(frame.payload());
                case FrameType.RESPONSE_END -> onEnd(frame.payload().readableBytes() > 0
                        && frame.payload().getByte(frame.payload().readerIndex()) != 0);
                default -> conn.log().error("worker sent unexpected frame type 0x" + Integer.toHexString(frame.type()));
            }
        } finally {
            frame.release();
        }
    }

    /** Flushes what the last read of the slot produced: one flush per batch of frames. */
    void flushIfPending() {
        if (pendingFlush) {
            pendingFlush = false;
            conn.channel().flush();
        }
    }

    private void onHead(ByteBuf p) {
        if (responseStarted || p.readableBytes() < HEAD_FIXED) {
            conn.log().error("worker sent a malformed or second response head");
            return;
        }
        int at = p.readerIndex();
        status = p.getUnsignedShortLE(at);
        int flags = p.getUnsignedByte(at + 2);
        long contentLength = p.getLongLE(at + 4);
        responseStarted = true;
        if (cancelled) {
            return;
        }
        boolean raw = conn.rawResponses();
        boolean noBody = head.headRequest() || status < 200 || status == 204 || status == 304;
        if (raw) {
            framing = noBody ? Framing.NONE : Framing.UNTIL_CLOSE;
            closeAfter = true;
        } else if (noBody) {
            framing = Framing.NONE;
        } else if (contentLength >= 0) {
            framing = Framing.LENGTH;
            remaining = contentLength;
        } else if (!head.http10()) {
            framing = Framing.CHUNKED;
        } else {
            framing = Framing.UNTIL_CLOSE;
        }
        closeAfter = closeAfter || !head.keepAlive() || (flags & FrameType.HEAD_CLOSE) != 0
                || framing == Framing.UNTIL_CLOSE || !bodyEnded || conn.closing();
        int blockLen = p.readableBytes() - HEAD_FIXED;
        byte[] date = raw ? EMPTY : conn.dateLine();
        ByteBuf out = conn.channel().alloc().directBuffer(9 + blockLen + 64 + date.length);
        out.writeBytes(head.http10() ? HTTP10 : HTTP11);
        out.writeBytes(p, at + HEAD_FIXED, blockLen);
        if (!raw) {
            if (framing == Framing.CHUNKED) {
                out.writeBytes(CHUNKED);
            }
            if (closeAfter) {
                out.writeBytes(CLOSE);
            } else if (head.http10()) {
                out.writeBytes(KEEP_ALIVE);
            }
            out.writeBytes(date);
        }
        out.writeBytes(ErrorResponses.CRLF);
        headBytes = out.readableBytes();
        if (conn.countHeaders()) {
            headerCount = countFields(p, at + HEAD_FIXED, blockLen);
        }
        write(out);
    }

    /** Field lines in the worker's head block: its line feeds, less the status line's. */
    private static int countFields(ByteBuf block, int from, int length) {
        int lines = 0;
        for (int i = from; i < from + length; i++) {
            if (block.getByte(i) == '\n') {
                lines++;
            }
        }
        return Math.max(0, lines - 1);
    }

    private void onBody(ByteBuf data) {
        if (cancelled || framing == null || framing == Framing.NONE) {
            data.release();
            return;
        }
        int n = data.readableBytes();
        if (framing == Framing.LENGTH) {
            if (n > remaining) {
                // The app sent more than its own Content-Length: the surplus would corrupt the
                // next response on a keep-alive connection.
                data.writerIndex(data.readerIndex() + (int) remaining);
                n = (int) remaining;
                closeAfter = true;
            }
            remaining -= n;
        }
        if (n == 0) {
            data.release();
            return;
        }
        if (framing == Framing.CHUNKED) {
            ByteBuf size = conn.channel().alloc().directBuffer(12);
            size.writeCharSequence(Integer.toHexString(n), StandardCharsets.US_ASCII);
            size.writeBytes(ErrorResponses.CRLF);
            write(size);
            write(data);
            write(conn.channel().alloc().directBuffer(2).writeBytes(ErrorResponses.CRLF));
        } else {
            write(data);
        }
        bytesSent += n;
    }

    private void onSendfile(ByteBuf p) {
        Channel slotChannel = slot.channel();
        long offset = p.getLongLE(p.readerIndex());
        long count = p.getLongLE(p.readerIndex() + 8);
        String path = p.toString(p.readerIndex() + 16, p.readableBytes() - 16, StandardCharsets.UTF_8);
        FileChannel file;
        long length;
        try {
            file = new RandomAccessFile(path, "r").getChannel();
            long size = file.size();
            length = count < 0 ? Math.max(0, size - offset) : Math.min(count, Math.max(0, size - offset));
        } catch (IOException | RuntimeException e) {
            slotChannel.writeAndFlush(Frames.fileOpened(slotChannel.alloc(), false), slotChannel.voidPromise());
            return;
        }
        slotChannel.writeAndFlush(Frames.fileOpened(slotChannel.alloc(), true), slotChannel.voidPromise());
        if (cancelled || framing == null || framing == Framing.NONE || length == 0) {
            closeQuietly(file);
            return;
        }
        if (framing == Framing.LENGTH) {
            if (length > remaining) {
                length = remaining;
                closeAfter = true;
            }
            remaining -= length;
        }
        if (framing == Framing.CHUNKED) {
            ByteBuf size = conn.channel().alloc().directBuffer(20);
            size.writeCharSequence(Long.toHexString(length), StandardCharsets.US_ASCII);
            size.writeBytes(ErrorResponses.CRLF);
            write(size);
            write(new DefaultFileRegion(file, offset, length));
            write(conn.channel().alloc().directBuffer(2).writeBytes(ErrorResponses.CRLF));
        } else {
            write(new DefaultFileRegion(file, offset, length));
        }
        bytesSent += length;
    }

    private void onEnd(boolean failed) {
        if (finished) {
            return;
        }
        finished = true;
        // The worker drains unread body frames until BODY_END, so it must always get one.
        endBody(true);
        conn.dispatcher().release(slot);
        if (cancelled) {
            conn.logRequest(this);
            return;
        }
        if (!responseStarted) {
            status = 502;
            conn.log().error(conn.describe(head) + ": worker ended the response without a head");
            conn.failExchange(this, 502);
            return;
        }
        if (failed || (framing == Framing.LENGTH && remaining > 0)) {
            // A truncated body must look truncated to the client: close instead of finishing.
            pendingFlush = false;
            conn.abort(this);
            return;
        }
        if (framing == Framing.CHUNKED) {
            conn.channel().write(conn.channel().alloc().directBuffer(5).writeBytes(LAST_CHUNK),
                    conn.channel().voidPromise());
        }
        pendingFlush = false;
        conn.completed(this);
    }

    private void write(Object msg) {
        Channel ch = conn.channel();
        ch.write(msg, ch.voidPromise());
        pendingFlush = true;
        if (!ch.isWritable() && slot != null) {
            // Back-pressure: stop reading the worker until the client drains (see ClientConnection).
            // Paused before the flush: a flush that drains the buffer fires the writability change
            // (which resumes the slot) synchronously, and pausing after it would stall for good.
            slot.channel().config().setAutoRead(false);
            ch.flush();
            pendingFlush = false;
            if (ch.isWritable()) {
                slot.channel().config().setAutoRead(true);
            }
        }
    }

    private static void closeQuietly(FileChannel file) {
        try {
            file.close();
        } catch (IOException ignored) {
            // Nothing was read from it; closing cannot lose data.
        }
    }

    static ByteBufAllocator alloc(Channel ch) {
        return ch.alloc();
    }

    private static final byte[] EMPTY = {};
}
