package dev.regent.dispatch;

import java.io.IOException;
import java.nio.ByteOrder;
import java.nio.MappedByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.BitSet;

/**
 * The cells that slots serving uwsgi sockets directly keep for the master (python/regent/direct.py
 * writes them). A file in the runtime directory, mapped by the master and by every worker.
 *
 * <pre>
 * cell i at byte 64*i, little-endian, written only by the slot's thread:
 * +--------------------+--------------------+--------------------+--------------------+
 * | started u64        | requests u64       | harakiri u64       | tx u64             |
 * | CLOCK_MONOTONIC ns | served directly    | deadline ns (user) | body bytes sent    |
 * | 0 = idle           |                    | 0 = none           |                    |
 * +--------------------+--------------------+--------------------+--------------------+
 * | 2xx u64            | 3xx u64            | 4xx u64            | 5xx u64            |
 * +--------------------+--------------------+--------------------+--------------------+
 * </pre>
 * System.nanoTime() is CLOCK_MONOTONIC on Linux, the clock of Python's time.monotonic_ns(), so
 * both sides compare the same numbers. Cells are handed out and taken back on the I/O loop only.
 */
public final class Scoreboard {
    public static final int CELL_SIZE = 64;

    private final MappedByteBuffer map;
    private final BitSet used = new BitSet();
    private final int cells;

    private Scoreboard(MappedByteBuffer map, int cells) {
        this.map = map;
        this.cells = cells;
    }

    /** Creates the file (mode 0600 like the rest of the runtime directory) with {@code cells} cells. */
    public static Scoreboard create(Path file, int cells) throws IOException {
        try (FileChannel ch = FileChannel.open(file, StandardOpenOption.CREATE_NEW, StandardOpenOption.READ,
                StandardOpenOption.WRITE)) {
            MappedByteBuffer map = ch.map(FileChannel.MapMode.READ_WRITE, 0, (long) cells * CELL_SIZE);
            map.order(ByteOrder.LITTLE_ENDIAN);
            return new Scoreboard(map, cells);
        }
    }

    /** A free cell, zeroed, or -1 when all are in use. */
    int allocate() {
        int cell = used.nextClearBit(0);
        if (cell >= cells) {
            return -1;
        }
        used.set(cell);
        for (int i = 0; i < CELL_SIZE; i += 8) {
            map.putLong(cell * CELL_SIZE + i, 0);
        }
        return cell;
    }

    void free(int cell) {
        used.clear(cell);
    }

    /** When the cell's current request started (System.nanoTime() clock), 0 when idle. */
    long started(int cell) {
        return map.getLong(cell * CELL_SIZE);
    }

    /** Requests the cell's slot has answered directly. */
    long requests(int cell) {
        return map.getLong(cell * CELL_SIZE + 8);
    }

    /** Response body bytes the cell's slot has sent directly. */
    long tx(int cell) {
        return map.getLong(cell * CELL_SIZE + 24);
    }

    /** Direct answers with a status of class {@code cls} (2 to 5). */
    long answers(int cell, int cls) {
        return map.getLong(cell * CELL_SIZE + 32 + (cls - 2) * 8);
    }

    /** The deadline the current request set with uwsgi.set_user_harakiri, 0 for none. */
    long userDeadline(int cell) {
        return map.getLong(cell * CELL_SIZE + 16);
    }
}
