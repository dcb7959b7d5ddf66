package dev.regent.api;

import dev.regent.config.ApiSpec;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.List;

/**
 * Creates (or, for a {@code store}, re-opens) the file behind one shared cache. The master only
 * writes the header; every Python process maps the file and reads and writes the table itself
 * (python/regent/cache.py, which has the full layout). Header, little-endian:
 *
 * <pre>
 *  0       8       12      16      20       24      28      32             40             48
 *  +-------+-------+-------+-------+--------+-------+-------+--------------+--------------+
 *  | magic |version| items |keysize|blocksz |blocks | flags | math_initial | slots_offset |
 *  |"RGNTCAC1" u32 | u32   | u32   | u32    | u32   | u32   | i64          | u64          |
 *  +-------+-------+-------+-------+--------+-------+-------+--------------+--------------+
 *  48             56           64          68         72 .. 79        80
 *  | blocks_offset| file_size  | slot_size | reserved | used, deleted | writing i32 (-1) | ...
 * </pre>
 *
 * Slots start at 4096, {@code items} of {@code 32 + keysize} bytes rounded up to 8; then
 * {@code blocks} value blocks of {@code blocksize} bytes. The file is sparse: untouched blocks
 * take no disk or memory.
 */
public final class CacheFile {
    static final byte[] MAGIC = "RGNTCAC1".getBytes(StandardCharsets.US_ASCII);
    static final int VERSION = 1;
    static final int HEADER_SIZE = 4096;
    static final List<String> FLAG_BITS =
            List.of("purge_lru", "lazy_expire", "ignore_full", "sweep_on_full", "clear_on_full", "no_expire");

    private CacheFile() {
    }

    static int slotSize(int keysize) {
        return (32 + keysize + 7) & ~7;
    }

    static long fileSize(ApiSpec.CacheSpec c) {
        return HEADER_SIZE + (long) c.items() * slotSize(c.keysize()) + (long) Math.max(c.blocks(), c.items())
                * c.blocksize();
    }

    static int flags(ApiSpec.CacheSpec c) {
        int bits = 0;
        for (String f : c.flags()) {
            int i = FLAG_BITS.indexOf(f);
            if (i >= 0) {
                bits |= 1 << i;
            }
        }
        return bits;
    }

    /**
     * Makes {@code path} ready for cache {@code c}: a new empty table, or an existing store whose
     * layout matches (its items survive). A store with another layout is replaced when
     * {@code store_delete} is set, else it is an error: silently losing persisted items is worse.
     */
    public static void prepare(Path path, ApiSpec.CacheSpec c) throws IOException {
        if (c.store() != null && Files.exists(path)) {
            String why = mismatch(path, c);
            if (why == null) {
                try (FileChannel ch = FileChannel.open(path, StandardOpenOption.READ, StandardOpenOption.WRITE)) {
                    ByteBuffer b = ByteBuffer.allocate(12).order(ByteOrder.LITTLE_ENDIAN);
                    b.putInt(flags(c)).putLong(c.mathInitial()).flip();
                    ch.write(b, 28);  // options that may change between runs without touching the table
                }
                return;
            }
            if (!c.storeDelete()) {
                throw new IOException("cache \"" + c.name() + "\": store " + path + " " + why
                        + " (add store_delete to replace it)");
            }
            Files.delete(path);
        }
        create(path, c);
    }

    private static void create(Path path, ApiSpec.CacheSpec c) throws IOException {
        long size = fileSize(c);
        Path parent = path.toAbsolutePath().getParent();
        if (parent != null) {
            Files.createDirectories(parent);
        }
        try (FileChannel ch = FileChannel.open(path, StandardOpenOption.CREATE, StandardOpenOption.READ,
                StandardOpenOption.WRITE, StandardOpenOption.TRUNCATE_EXISTING)) {
            ByteBuffer b = ByteBuffer.allocate(84).order(ByteOrder.LITTLE_ENDIAN);
            b.put(MAGIC).putInt(VERSION).putInt(c.items()).putInt(c.keysize()).putInt(c.blocksize())
                    .putInt(Math.max(c.blocks(), c.items())).putInt(flags(c)).putLong(c.mathInitial())
                    .putLong(HEADER_SIZE).putLong(HEADER_SIZE + (long) c.items() * slotSize(c.keysize()))
                    .putLong(size).putInt(slotSize(c.keysize())).putInt(0)
                    .putInt(0).putInt(0).putInt(-1).flip();
            ch.write(b, 0);
            // Extends the file without writing the body: a sparse file, zero-filled on read.
            ch.write(ByteBuffer.allocate(1), size - 1);
        }
    }

    /** Why the existing file cannot hold cache {@code c}, or null when it can. */
    static String mismatch(Path path, ApiSpec.CacheSpec c) throws IOException {
        ByteBuffer b = ByteBuffer.allocate(72).order(ByteOrder.LITTLE_ENDIAN);
        try (FileChannel ch = FileChannel.open(path, StandardOpenOption.READ)) {
            ch.read(b, 0);
            b.flip();
            if (b.remaining() < 72) {
                return "is too short to be a Regent cache";
            }
            byte[] magic = new byte[8];
            b.get(magic);
            if (!java.util.Arrays.equals(magic, MAGIC) || b.getInt() != VERSION) {
                return "is not a Regent cache file of version " + VERSION;
            }
            int items = b.getInt();
            int keysize = b.getInt();
            int blocksize = b.getInt();
            int blocks = b.getInt();
            if (items != c.items() || keysize != c.keysize() || blocksize != c.blocksize()
                    || blocks != Math.max(c.blocks(), c.items()) || ch.size() != fileSize(c)) {
                return "was made for items=" + items + ",keysize=" + keysize + ",blocksize=" + blocksize + ",blocks="
                        + blocks;
            }
        }
        return null;
    }
}
