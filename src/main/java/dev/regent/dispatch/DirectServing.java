package dev.regent.dispatch;

import dev.regent.protocol.worker.Frames;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;

/**
 * Direct uwsgi: which slots accept on the app's uwsgi sockets themselves, and whether the master
 * still has to (python/regent/direct.py; the measurement behind it is in docs/concurrency.md).
 *
 * <p>Each slot that connects gets a scoreboard cell and a DIRECT frame. While at least one such
 * slot is connected the master stops accepting on those sockets and the workers take the
 * connections from the kernel's queue, as uWSGI's workers do; when none is (startup, every worker
 * gone, a crash), the master accepts again and relays, so a connection never waits for nothing.
 * Owned by the I/O loop, like the dispatcher.
 */
public final class DirectServing {

    /** Turns the master's own accepting on the direct sockets on or off (called on the I/O loop). */
    @FunctionalInterface
    public interface Acceptance {
        void masterAccepts(boolean accept);
    }

    /** What the worker needs besides its cell; the log flags mirror RequestLog's rules. */
    public record Setup(int bufferSize, long socketTimeoutMillis, int logFlags, long logSlowMillis, long logBigBytes,
                        long limitPost) {
        public static final int LOG_ALL = 0x01;
        public static final int LOG_4XX = 0x02;
        public static final int LOG_5XX = 0x04;
        public static final int LOG_ZERO = 0x08;

        byte[] encode() {
            ByteBuffer b = ByteBuffer.allocate(32).order(ByteOrder.LITTLE_ENDIAN);
            b.putInt(bufferSize);
            b.putInt((int) Math.min(Math.max(socketTimeoutMillis, 1), Integer.MAX_VALUE));
            b.putInt(logFlags);
            b.putInt((int) Math.min(Math.max(logSlowMillis, 0), Integer.MAX_VALUE));
            b.putLong(Math.max(logBigBytes, 0));
            b.putLong(Math.max(limitPost, 0));
            return b.array();
        }
    }

    private final Scoreboard board;
    private final byte[] setup;
    private final Acceptance acceptance;
    private int directSlots;
    private boolean stopped;

    public DirectServing(Scoreboard board, Setup setup, Acceptance acceptance) {
        this.board = board;
        this.setup = setup.encode();
        this.acceptance = acceptance;
    }

    /** A new slot: give it a cell and let it accept (it stays relay-only when no cell is free). */
    void attach(Slot slot) {
        if (stopped) {
            return;
        }
        int cell = board.allocate();
        if (cell < 0) {
            return;
        }
        slot.cell(cell);
        slot.channel().writeAndFlush(Frames.direct(slot.channel().alloc(), cell, setup));
        if (directSlots++ == 0) {
            acceptance.masterAccepts(false);
        }
    }

    /** The slot's connection closed: its cell is free, and the master may have to accept again. */
    void detach(Slot slot) {
        int cell = slot.cell();
        if (cell < 0) {
            return;
        }
        slot.cell(-1);
        board.free(cell);
        if (--directSlots == 0 && !stopped) {
            acceptance.masterAccepts(true);
        }
    }

    /** Graceful stop: no slot takes new connections; those running finish. */
    void stop(Iterable<WorkerSlots> workers) {
        stopped = true;
        for (WorkerSlots w : workers) {
            for (Slot s : w.slots) {
                if (s.cell() >= 0) {
                    s.channel().writeAndFlush(Frames.directStop(s.channel().alloc()));
                }
            }
        }
    }

    /**
     * True, once per request, when the slot's direct request has run past {@code limitNanos}
     * (none if {@code <= 0}) or past the deadline it set with uwsgi.set_user_harakiri.
     */
    boolean harakiriDue(Slot s, long now, long limitNanos) {
        long started = started(s);
        if (started == 0) {
            return false;
        }
        long user = userDeadline(s);
        boolean due = limitNanos > 0 && now - started >= limitNanos || user != 0 && now - user >= 0;
        return due && s.markDirectHarakiri(started, user);
    }

    /** Hands what the slot answered directly since the last count to {@code counts}. */
    void count(Slot s, Dispatcher.DirectCounts counts) {
        if (s.cell() < 0) {
            return;
        }
        long[] now = counters(s);
        long[] seen = s.counted;
        long requests = now[0] - seen[0];
        if (requests <= 0) {
            return;
        }
        long[] byClass = new long[6];
        for (int c = 2; c <= 5; c++) {
            byClass[c] = now[c] - seen[c];
        }
        counts.record(s.worker().workerId, s.index(), requests, now[1] - seen[1], byClass);
        System.arraycopy(now, 0, seen, 0, seen.length);
    }

    /** When the slot's current direct request started, 0 when it has none. */
    long started(Slot slot) {
        return slot.cell() < 0 ? 0 : board.started(slot.cell());
    }

    long requests(Slot slot) {
        return slot.cell() < 0 ? 0 : board.requests(slot.cell());
    }

    /** The slot's counters: requests, tx, then answers of class 2xx to 5xx at indexes 2 to 5. */
    long[] counters(Slot slot) {
        int cell = slot.cell();
        long[] out = new long[6];
        out[0] = board.requests(cell);
        out[1] = board.tx(cell);
        for (int c = 2; c <= 5; c++) {
            out[c] = board.answers(cell, c);
        }
        return out;
    }

    long userDeadline(Slot slot) {
        return slot.cell() < 0 ? 0 : board.userDeadline(slot.cell());
    }
}
