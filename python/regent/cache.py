"""Shared caches: a fixed-slot hash table in a memory-mapped file, one file per cache.

The master creates each file (header filled in, body zeroed) before the zygote starts;
every Python process of the app maps it MAP_SHARED, so a value written by one worker is
seen by all the others without a round trip.  Reads take no lock: each slot carries a
sequence counter that a writer makes odd while it changes the slot, and a reader retries
when the counter moved.  Writes take the cache's write lock: a ``lockf`` lock on a file
in the runtime directory, which the kernel releases when its holder dies, plus a
``threading.Lock`` because POSIX record locks do not exclude threads of one process.

File layout (all integers little-endian)::

    0        8        16       24       32       40       48       56       64
    +--------+--------+--------+--------+--------+--------+--------+--------+
    | magic "RGNTCAC1"| ver u32|items u32|keysz u32|blksz u32|blocks u32|flags u32|
    +-----------------+--------+---------+---------+---------+----------+---------+
    offsets: 0 magic(8) 8 version 12 items 16 keysize 20 blocksize 24 blocks 28 flags
             32 math_initial i64   40 slots_offset u64   48 blocks_offset u64
             56 file_size u64      64 slot_size u32      68 reserved u32
    -- mutable part, written only under the write lock --
             72 used u32 (slots in state USED)   76 deleted u32 (tombstones)
             80 writing i32 (slot being written, -1 none: repaired after a crash)
             84 warned u32 (bit 0 too big, bit 1 full: one log line per cache)
             88 generation u64 (odd while clear/rebuild moves slots)
             96 full_count u64   104 too_big_count u64   112 swept_count u64
    120 .. 4095 reserved (zero)

    slots_offset (4096): ``items`` slots of ``slot_size`` = 32 + keysize rounded up to 8

    +--------+-------+-----+----------+----------+----------+-----------+------------+-----------+
    | seq u32|state u8| pad | keylen   | vallen   | hash u32 | expires   | atime i64  | key bytes |
    |        |0 empty |  u8 | u16      | u32      | crc32    | i64 unix s| monotonic  | (keysize) |
    |        |1 used  |     |          |          | of key   | 0 = never | ns (LRU)   |           |
    |        |2 dead  |     |          |          |          |           |            |           |
    +--------+-------+-----+----------+----------+----------+-----------+------------+-----------+
      0        4       5     6          8          12         16          24           32

    blocks_offset: ``blocks`` blocks of ``blocksize`` bytes; slot i keeps its value in block i.

Collisions are resolved by linear probing; a deleted slot becomes a tombstone (state 2)
that inserts reuse, and the table is rebuilt in place when tombstones pass a quarter of
it.  Clear and rebuild make ``generation`` odd while they run, so a reader that missed
retries instead of reporting a key as absent while slots were moving.

Expiry is checked on every read (an expired item reads as absent) and a sweeper removes
expired items every ``cache-expire-freq`` seconds.
"""

from __future__ import annotations

import fcntl
import mmap
import os
import struct
import sys
import threading
import time
from typing import Callable, Optional
from zlib import crc32

MAGIC = b"RGNTCAC1"
VERSION = 1
HEADER_SIZE = 4096
SLOT_HEADER = 32

FLAG_PURGE_LRU = 0x01
FLAG_LAZY_EXPIRE = 0x02
FLAG_IGNORE_FULL = 0x04
FLAG_SWEEP_ON_FULL = 0x08
FLAG_CLEAR_ON_FULL = 0x10
FLAG_NO_EXPIRE = 0x20
FLAG_NAMES = {
    "purge_lru": FLAG_PURGE_LRU,
    "lazy_expire": FLAG_LAZY_EXPIRE,
    "ignore_full": FLAG_IGNORE_FULL,
    "sweep_on_full": FLAG_SWEEP_ON_FULL,
    "clear_on_full": FLAG_CLEAR_ON_FULL,
    "no_expire": FLAG_NO_EXPIRE,
}

EMPTY = 0
USED = 1
DEAD = 2

WARNED_TOO_BIG = 1
WARNED_FULL = 2

# The fixed geometry (offsets 0..71) and the mutable counters.
_GEOMETRY = struct.Struct("<8sIIIIIIqQQQII")
_USED = struct.Struct("<I")  # at 72
_DELETED_OFF = 76
_WRITING = struct.Struct("<i")  # at 80
_WARNED_OFF = 84
_GEN = struct.Struct("<Q")  # at 88
_FULL_OFF = 96
_TOO_BIG_OFF = 104
_SWEPT_OFF = 112
_U32 = struct.Struct("<I")
# writing i32, warned u32, generation u64 (offsets 80..95): one read tells a writer whether
# the table needs repair before it touches a slot.
_CTL = struct.Struct("<iIQ")
_CTL_OFF = 80
_U64 = struct.Struct("<Q")
_I64 = struct.Struct("<q")

# seq, state, pad, keylen, vallen, hash, expires  (atime read separately)
SLOT = struct.Struct("<IBBHIIq")
_SLOT_FULL = struct.Struct("<IBBHIIqq")
_ATIME_OFF = 24

# A reader that sees an odd sequence this many times assumes the writer died mid-write.
_SPIN_LIMIT = 2000

INT64_MIN = -(1 << 63)
INT64_MAX = (1 << 63) - 1


def slot_size(keysize: int) -> int:
    return (SLOT_HEADER + keysize + 7) & ~7


def file_size(items: int, keysize: int, blocksize: int, blocks: int) -> int:
    return HEADER_SIZE + items * slot_size(keysize) + max(blocks, items) * blocksize


def create(path: str, items: int, keysize: int, blocksize: int, blocks: int = 0, flags: int = 0,
           math_initial: int = 0) -> None:
    """Write a new, empty cache file (the master does this; tests use it too)."""
    blocks = max(blocks, items)
    ss = slot_size(keysize)
    size = file_size(items, keysize, blocksize, blocks)
    header = _GEOMETRY.pack(MAGIC, VERSION, items, keysize, blocksize, blocks, flags, math_initial,
                            HEADER_SIZE, HEADER_SIZE + items * ss, size, ss, 0)
    fd = os.open(path, os.O_RDWR | os.O_CREAT | os.O_TRUNC, 0o600)
    try:
        os.ftruncate(fd, size)
        os.pwrite(fd, header, 0)
        os.pwrite(fd, _WRITING.pack(-1), 80)
    finally:
        os.close(fd)


class WriteLock:
    """The cache's write lock: threads of this process, then processes (``lockf``)."""

    def __init__(self, path: str) -> None:
        self.path = path
        self.fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o600)
        self.local = threading.Lock()

    def after_fork(self) -> None:
        # POSIX record locks are not inherited; only the thread lock's state could be stale.
        # It is reset in place (not replaced) because the fast paths hold its bound methods.
        _reinit(self.local)

    def acquire(self) -> None:
        self.local.acquire()
        try:
            fcntl.lockf(self.fd, fcntl.LOCK_EX, 1, 0)
        except BaseException:
            self.local.release()
            raise

    def release(self) -> None:
        try:
            fcntl.lockf(self.fd, fcntl.LOCK_UN, 1, 0)
        finally:
            self.local.release()


class CacheFull(Exception):
    pass


class Cache:
    """One mapped cache.  ``get`` is lock-free; every other operation takes the write lock."""

    def __init__(self, name: str, path: str, lock_path: str, store: bool = False,
                 log: Callable[[str], None] = print) -> None:
        self.name = name
        self.path = path
        self.store = store
        self.log = log
        fd = os.open(path, os.O_RDWR)
        try:
            size = os.fstat(fd).st_size
            self.mm = mmap.mmap(fd, size, mmap.MAP_SHARED, mmap.PROT_READ | mmap.PROT_WRITE)
        finally:
            os.close(fd)
        (magic, version, self.items, self.keysize, self.blocksize, self.blocks, self.flags, self.math_initial,
         self.slots_off, self.blocks_off, fsize, self.slot_size, _r) = _GEOMETRY.unpack_from(self.mm, 0)
        if magic != MAGIC or version != VERSION or fsize != size:
            raise ValueError(f"cache {name}: {path} is not a Regent cache file of version {VERSION}")
        self.lock = WriteLock(lock_path)
        self.warned_here = 0
        self.reader: Callable[[bytes], Optional[bytes]] = self._make_reader()
        self.writer: Callable[[bytes, bytes, int, bool], bool] = self._make_writer()
        self.adder: Callable[[bytes, int, int], bool] = self._make_adder()

    # -- hot paths -------------------------------------------------------------
    #
    # cache_get/update/inc are called per request, so each is a closure over the cache's
    # geometry and pre-bound struct and lock methods: no attribute lookups, one Python frame.
    # Each handles only the common case -- the key sits in its home slot (first probe) and
    # nothing needs repair -- and hands everything else to the general code below, which
    # implements the full protocol (probing, tombstones, generation checks, eviction).

    def _make_reader(self) -> Callable[[bytes], Optional[bytes]]:
        mm = self.mm
        items, slots_off, ssize = self.items, self.slots_off, self.slot_size
        blocks_off, bsize = self.blocks_off, self.blocksize
        unpack = SLOT.unpack_from
        seq_at = _U32.unpack_from
        expiry = not self.flags & FLAG_NO_EXPIRE
        lru = bool(self.flags & FLAG_PURGE_LRU)
        clock, now_ns = time.time, time.monotonic_ns
        atime_into = _I64.pack_into
        slow = self._get_slow

        def reader(key: bytes) -> Optional[bytes]:
            i = crc32(key) % items
            off = slots_off + i * ssize
            seq, state, _p, keylen, vallen, _h, expires = unpack(mm, off)
            # Equal keys imply equal hashes, so the stored crc32 need not be compared.  A hit
            # in a slot whose sequence was even and did not move is a consistent item even if
            # a rebuild is under way (that only matters for misses, which the slow path
            # checks against the generation counter).
            if state == USED and not seq & 1 and keylen == len(key) and mm[off + 32 : off + 32 + keylen] == key:
                boff = blocks_off + i * bsize
                value = mm[boff : boff + vallen]
                if seq_at(mm, off)[0] == seq and (not expires or not expiry or expires > clock()):
                    if lru:
                        atime_into(mm, off + _ATIME_OFF, now_ns())
                    return value
            return slow(key)

        return reader

    def _make_writer(self) -> Callable[[bytes, bytes, int, bool], bool]:
        mm = self.mm
        items, slots_off, ssize = self.items, self.slots_off, self.slot_size
        blocks_off, bsize, keysize = self.blocks_off, self.blocksize, self.keysize
        unpack = SLOT.unpack_from
        pack_slot = _SLOT_FULL.pack_into
        pack_seq = _U32.pack_into
        ctl = _CTL.unpack_from
        mark = _WRITING.pack_into
        expiry = not self.flags & FLAG_NO_EXPIRE
        clock, now_ns = time.time, time.monotonic_ns
        wl = self.lock
        fd, local_acquire, local_release = wl.fd, wl.local.acquire, wl.local.release
        lockf, ex, un = fcntl.lockf, fcntl.LOCK_EX, fcntl.LOCK_UN
        locked = self._set_locked
        general = self.set

        def writer(key: bytes, value: bytes, expires: int, overwrite: bool) -> bool:
            klen = len(key)
            vlen = len(value)
            if not 0 < klen <= keysize or vlen > bsize:
                return general(key, value, expires, overwrite)  # counts and logs the refusal
            h = crc32(key)
            i = h % items
            off = slots_off + i * ssize
            local_acquire()
            try:
                lockf(fd, ex, 1, 0)
                try:
                    writing, _w, gen = ctl(mm, _CTL_OFF)
                    seq, state, _p, keylen, _v, _h, old = unpack(mm, off)
                    if (writing >= 0 or gen & 1 or state != USED or keylen != klen
                            or mm[off + 32 : off + 32 + klen] != key or (old and expiry and old <= clock())):
                        return locked(key, value, expires, overwrite)
                    if not overwrite:
                        return False
                    deadline = int(clock()) + expires if expires > 0 and expiry else 0
                    # The same steps as _write for a slot that keeps its key: mark, make the
                    # sequence odd together with the new header, copy, make it even again.
                    mark(mm, _CTL_OFF, i)
                    pack_slot(mm, off, seq + 1, USED, 0, klen, vlen, h, deadline, now_ns())
                    boff = blocks_off + i * bsize
                    mm[boff : boff + vlen] = value
                    pack_seq(mm, off, seq + 2)
                    mark(mm, _CTL_OFF, -1)
                    return True
                finally:
                    lockf(fd, un, 1, 0)
            finally:
                local_release()

        return writer

    def _make_adder(self) -> Callable[[bytes, int, int], bool]:
        """cache_inc/dec: the value's first 8 bytes as int64 plus n (dec passes -n)."""
        mm = self.mm
        items, slots_off, ssize = self.items, self.slots_off, self.slot_size
        blocks_off, bsize, keysize = self.blocks_off, self.blocksize, self.keysize
        unpack = SLOT.unpack_from
        pack_slot = _SLOT_FULL.pack_into
        pack_seq = _U32.pack_into
        ctl = _CTL.unpack_from
        mark = _WRITING.pack_into
        i64_at, i64_into = _I64.unpack_from, _I64.pack_into
        expiry = not self.flags & FLAG_NO_EXPIRE
        clock, now_ns = time.time, time.monotonic_ns
        wl = self.lock
        fd, local_acquire, local_release = wl.fd, wl.local.acquire, wl.local.release
        lockf, ex, un = fcntl.lockf, fcntl.LOCK_EX, fcntl.LOCK_UN
        general = self.math
        locked = self._math_locked
        small = bsize >= 8  # a cache whose blocks cannot hold an int64 always refuses

        def adder(key: bytes, n: int, expires: int) -> bool:
            klen = len(key)
            if not 0 < klen <= keysize or not small:
                return general(key, "inc", n, expires)
            h = crc32(key)
            i = h % items
            off = slots_off + i * ssize
            local_acquire()
            try:
                lockf(fd, ex, 1, 0)
                try:
                    writing, _w, gen = ctl(mm, _CTL_OFF)
                    seq, state, _p, keylen, vallen, _h, old = unpack(mm, off)
                    if (writing >= 0 or gen & 1 or state != USED or keylen != klen or vallen < 8
                            or mm[off + 32 : off + 32 + klen] != key or (old and expiry and old <= clock())):
                        return locked(key, "inc", n, expires)
                    boff = blocks_off + i * bsize
                    result = i64_at(mm, boff)[0] + n
                    if not INT64_MIN <= result <= INT64_MAX:
                        result = ((result - INT64_MIN) % (1 << 64)) + INT64_MIN  # wrap like int64_t
                    # as _deadline, except that expires 0 keeps the item's current deadline
                    deadline = (int(clock()) + expires if expires > 0 and expiry else 0) if expires else old
                    mark(mm, _CTL_OFF, i)
                    pack_slot(mm, off, seq + 1, USED, 0, klen, 8, h, deadline, now_ns())
                    i64_into(mm, boff, result)
                    pack_seq(mm, off, seq + 2)
                    mark(mm, _CTL_OFF, -1)
                    return True
                finally:
                    lockf(fd, un, 1, 0)
            finally:
                local_release()

        return adder

    # -- reads ---------------------------------------------------------------

    def get(self, key: bytes) -> Optional[bytes]:
        """The value, or None when absent or expired.  No lock taken."""
        return self.reader(key)

    def _get_slow(self, key: bytes) -> Optional[bytes]:
        """The full lookup: probing, the generation check for misses, expiry, LRU time."""
        mm = self.mm
        h = crc32(key)
        n = self.items
        klen = len(key)
        unpack = SLOT.unpack_from
        slots_off = self.slots_off
        size = self.slot_size
        spins = 0
        while True:
            gen = _GEN.unpack_from(mm, 88)[0]
            i = h % n
            probes = 0
            retry = False
            while probes < n:
                off = slots_off + i * size
                seq, state, _p, keylen, vallen, hh, expires = unpack(mm, off)
                if seq & 1:
                    retry = True  # a writer is in this slot: it may be ours
                    break
                if state == EMPTY:
                    break
                if state == USED and hh == h and keylen == klen and mm[off + 32 : off + 32 + klen] == key:
                    boff = self.blocks_off + i * self.blocksize
                    value = mm[boff : boff + vallen]
                    if _U32.unpack_from(mm, off)[0] != seq:
                        retry = True
                        break
                    if expires and expires <= time.time() and not self.flags & FLAG_NO_EXPIRE:
                        return None
                    if self.flags & FLAG_PURGE_LRU:
                        _I64.pack_into(mm, off + _ATIME_OFF, time.monotonic_ns())
                    return value
                probes += 1
                i += 1
                if i == n:
                    i = 0
            if not retry and not gen & 1 and _GEN.unpack_from(mm, 88)[0] == gen:
                return None
            spins += 1
            if spins > _SPIN_LIMIT:
                # A writer died mid-write: taking the lock repairs the slot.
                self.lock.acquire()
                try:
                    self._repair()
                finally:
                    self.lock.release()
                spins = 0
            elif spins > 50:
                time.sleep(0)

    def exists(self, key: bytes) -> bool:
        return self.get(key) is not None

    def keys(self) -> list[bytes]:
        out: list[bytes] = []
        now = time.time()
        mm = self.mm
        for i in range(self.items):
            off = self.slots_off + i * self.slot_size
            seq, state, _p, keylen, _v, _h, expires = SLOT.unpack_from(mm, off)
            if state == USED and not (expires and expires <= now and not self.flags & FLAG_NO_EXPIRE):
                key = mm[off + 32 : off + 32 + keylen]
                if _U32.unpack_from(mm, off)[0] == seq and not seq & 1:
                    out.append(key)
        return out

    # -- writes ----------------------------------------------------------------

    def set(self, key: bytes, value: bytes, expires: int, overwrite: bool) -> bool:
        """cache_set (overwrite False) / cache_update (True).  False: exists, too big or full."""
        if not self._fits(key, value):
            return False
        self.lock.acquire()
        try:
            return self._set_locked(key, value, expires, overwrite)
        finally:
            self.lock.release()

    def _set_locked(self, key: bytes, value: bytes, expires: int, overwrite: bool) -> bool:
        self._repair()
        i, found = self._find(key)
        if found and not overwrite:
            return False
        if not found:
            i = self._free_slot(key, i)
            if i < 0:
                return False
        self._write(i, key, value, self._deadline(expires), new=not found)
        return True

    def math(self, key: bytes, op: str, n: int, expires: int) -> bool:
        """cache_inc/dec/mul/div: the value as a native int64, created from math_initial."""
        if not self._fits(key, b"12345678"):
            return False
        self.lock.acquire()
        try:
            return self._math_locked(key, op, n, expires)
        finally:
            self.lock.release()

    def _math_locked(self, key: bytes, op: str, n: int, expires: int) -> bool:
        self._repair()
        i, found = self._find(key)
        if found:
            boff = self.blocks_off + i * self.blocksize
            raw = self.mm[boff : boff + 8]  # the first 8 bytes, whatever the value's length
            current = _I64.unpack(raw.ljust(8, b"\0"))[0] if len(raw) < 8 else _I64.unpack(raw)[0]
        else:
            current = self.math_initial
        if op == "inc":
            result = current + n
        elif op == "dec":
            result = current - n
        elif op == "mul":
            result = current * n
        else:
            if n == 0:
                return False
            q = abs(current) // abs(n)  # C division truncates toward zero
            result = q if (current >= 0) == (n >= 0) else -q
        result = ((result - INT64_MIN) % (1 << 64)) + INT64_MIN  # wrap like int64_t
        if not found:
            i = self._free_slot(key, i)
            if i < 0:
                return False
            self._write(i, key, _I64.pack(result), self._deadline(expires), new=True)
        else:
            off = self.slots_off + i * self.slot_size
            old_expires = SLOT.unpack_from(self.mm, off)[6]
            self._write(i, key, _I64.pack(result), self._deadline(expires) if expires else old_expires,
                        new=False)
        return True

    def delete(self, key: bytes) -> bool:
        self.lock.acquire()
        try:
            self._repair()
            i, found = self._find(key, include_expired=True)
            if not found:
                return False
            expired = self._expired_at(i, time.time())
            self._kill(i)
            self._maybe_rebuild()
            return not expired
        finally:
            self.lock.release()

    def clear(self) -> None:
        self.lock.acquire()
        try:
            self._bump_gen()
            mm = self.mm
            for i in range(self.items):
                off = self.slots_off + i * self.slot_size
                seq, state = struct.unpack_from("<IB", mm, off)
                if state != EMPTY:
                    _blank(mm, off, seq)
            _U32.pack_into(mm, 72, 0)
            _U32.pack_into(mm, _DELETED_OFF, 0)
            _WRITING.pack_into(mm, 80, -1)
            self._bump_gen()
        finally:
            self.lock.release()

    def sweep(self) -> int:
        """Remove expired items; the number removed."""
        if self.flags & FLAG_NO_EXPIRE:
            return 0
        self.lock.acquire()
        try:
            self._repair()
            n = self._sweep_locked()
            if n:
                self._maybe_rebuild()
            if self.store:
                self.mm.flush()
            return n
        finally:
            self.lock.release()

    def stats(self) -> dict[str, int]:
        mm = self.mm
        return {
            "items": self.items,
            "used": _U32.unpack_from(mm, 72)[0],
            "deleted": _U32.unpack_from(mm, _DELETED_OFF)[0],
            "full": _U64.unpack_from(mm, _FULL_OFF)[0],
            "too_big": _U64.unpack_from(mm, _TOO_BIG_OFF)[0],
            "swept": _U64.unpack_from(mm, _SWEPT_OFF)[0],
            "keysize": self.keysize,
            "blocksize": self.blocksize,
        }

    # -- internals (write lock held unless said otherwise) -----------------------

    def _fits(self, key: bytes, value: bytes) -> bool:
        if len(key) <= self.keysize and len(value) <= self.blocksize and key:
            return True
        if not key:
            return False
        self.lock.acquire()
        try:
            _U64.pack_into(self.mm, _TOO_BIG_OFF, _U64.unpack_from(self.mm, _TOO_BIG_OFF)[0] + 1)
            self._warn_once(WARNED_TOO_BIG, f"cache \"{self.name}\": an item is too big (key {len(key)} bytes, "
                            f"at most {self.keysize}; value {len(value)} bytes, at most {self.blocksize}); "
                            "not stored (further cases are only counted)")
        finally:
            self.lock.release()
        return False

    def _warn_once(self, bit: int, message: str) -> None:
        warned = _U32.unpack_from(self.mm, _WARNED_OFF)[0]
        if not warned & bit:
            _U32.pack_into(self.mm, _WARNED_OFF, warned | bit)
            self.log(message)

    def _deadline(self, expires: int) -> int:
        if expires <= 0 or self.flags & FLAG_NO_EXPIRE:
            return 0
        return int(time.time()) + expires

    def _expired_at(self, i: int, now: float) -> bool:
        if self.flags & FLAG_NO_EXPIRE:
            return False
        expires = SLOT.unpack_from(self.mm, self.slots_off + i * self.slot_size)[6]
        return bool(expires) and expires <= now

    def _find(self, key: bytes, include_expired: bool = False) -> tuple[int, bool]:
        """(slot, True) for a live key; else (first reusable slot on its probe path or -1, False).

        An expired item counts as absent (and its slot as reusable) unless ``include_expired``.
        """
        mm = self.mm
        h = crc32(key)
        n = self.items
        i = h % n
        reusable = -1
        now = time.time()
        for _ in range(n):
            off = self.slots_off + i * self.slot_size
            _seq, state, _p, keylen, _v, hh, _e = SLOT.unpack_from(mm, off)
            if state == EMPTY:
                return (reusable if reusable >= 0 else i), False
            if state == USED and hh == h and keylen == len(key) and mm[off + 32 : off + 32 + keylen] == key:
                if include_expired or not self._expired_at(i, now):
                    return i, True
                if reusable < 0:
                    reusable = i
            elif state == DEAD and reusable < 0:
                reusable = i
            i += 1
            if i == n:
                i = 0
        return reusable, False

    def _free_slot(self, key: bytes, candidate: int) -> int:
        """A slot for a new key (from _find), making room as the cache's flags say; -1 when full."""
        if candidate >= 0:
            return candidate
        flags = self.flags
        if flags & FLAG_SWEEP_ON_FULL and self._sweep_locked():
            return self._find(key)[0]
        if flags & FLAG_CLEAR_ON_FULL:
            self.lock.release()
            try:
                self.clear()
            finally:
                self.lock.acquire()
            return self._find(key)[0]
        if flags & FLAG_PURGE_LRU:
            victim = self._lru_victim()
            if victim >= 0:
                self._kill(victim)
                return self._find(key)[0]
        _U64.pack_into(self.mm, _FULL_OFF, _U64.unpack_from(self.mm, _FULL_OFF)[0] + 1)
        if not flags & FLAG_IGNORE_FULL:
            self._warn_once(WARNED_FULL, f"cache \"{self.name}\" is full ({self.items} items): an item was not "
                            "stored (further cases are only counted; see purge_lru, sweep_on_full)")
        return -1

    def _lru_victim(self) -> int:
        mm = self.mm
        best, best_t = -1, 0
        for i in range(self.items):
            off = self.slots_off + i * self.slot_size
            state = mm[off + 4]
            if state == USED:
                t = _I64.unpack_from(mm, off + _ATIME_OFF)[0]
                if best < 0 or t < best_t:
                    best, best_t = i, t
        return best

    def _write(self, i: int, key: bytes, value: bytes, expires: int, new: bool) -> None:
        mm = self.mm
        off = self.slots_off + i * self.slot_size
        seq, state = struct.unpack_from("<IB", mm, off)
        _WRITING.pack_into(mm, 80, i)
        _U32.pack_into(mm, off, seq + 1)  # odd: readers keep away
        boff = self.blocks_off + i * self.blocksize
        mm[boff : boff + len(value)] = value
        _SLOT_FULL.pack_into(mm, off, seq + 1, USED, 0, len(key), len(value), crc32(key), expires,
                             time.monotonic_ns())
        mm[off + 32 : off + 32 + len(key)] = key
        _U32.pack_into(mm, off, seq + 2)
        _WRITING.pack_into(mm, 80, -1)
        if new or state != USED:
            _U32.pack_into(mm, 72, _U32.unpack_from(mm, 72)[0] + 1)
            if state == DEAD:
                _U32.pack_into(mm, _DELETED_OFF, max(0, _U32.unpack_from(mm, _DELETED_OFF)[0] - 1))

    def _kill(self, i: int) -> None:
        mm = self.mm
        off = self.slots_off + i * self.slot_size
        seq, state = struct.unpack_from("<IB", mm, off)
        _WRITING.pack_into(mm, 80, i)
        _U32.pack_into(mm, off, seq + 1)
        mm[off + 4] = DEAD
        _U32.pack_into(mm, off, seq + 2)
        _WRITING.pack_into(mm, 80, -1)
        if state == USED:
            _U32.pack_into(mm, 72, max(0, _U32.unpack_from(mm, 72)[0] - 1))
            _U32.pack_into(mm, _DELETED_OFF, _U32.unpack_from(mm, _DELETED_OFF)[0] + 1)

    def _sweep_locked(self) -> int:
        now = time.time()
        removed = 0
        for i in range(self.items):
            off = self.slots_off + i * self.slot_size
            if self.mm[off + 4] == USED and self._expired_at(i, now):
                self._kill(i)
                removed += 1
        if removed:
            _U64.pack_into(self.mm, _SWEPT_OFF, _U64.unpack_from(self.mm, _SWEPT_OFF)[0] + removed)
        return removed

    def _maybe_rebuild(self) -> None:
        if _U32.unpack_from(self.mm, _DELETED_OFF)[0] * 4 < self.items:
            return
        mm = self.mm
        live = []
        for i in range(self.items):
            off = self.slots_off + i * self.slot_size
            _s, state, _p, keylen, vallen, _h, expires, atime = _SLOT_FULL.unpack_from(mm, off)
            if state == USED:
                boff = self.blocks_off + i * self.blocksize
                live.append((mm[off + 32 : off + 32 + keylen], mm[boff : boff + vallen], expires, atime))
        self._bump_gen()
        for i in range(self.items):
            off = self.slots_off + i * self.slot_size
            _blank(mm, off, _U32.unpack_from(mm, off)[0])
        _U32.pack_into(mm, 72, 0)
        _U32.pack_into(mm, _DELETED_OFF, 0)
        for key, value, expires, atime in live:
            i, _found = self._find(key, include_expired=True)
            self._write(i, key, value, expires, new=True)
            _I64.pack_into(mm, self.slots_off + i * self.slot_size + _ATIME_OFF, atime)
        self._bump_gen()

    def _bump_gen(self) -> None:
        _GEN.pack_into(self.mm, 88, _GEN.unpack_from(self.mm, 88)[0] + 1)

    def _repair(self) -> None:
        """After a writer died holding the lock: finish what it left (lock held)."""
        mm = self.mm
        writing = _WRITING.unpack_from(mm, 80)[0]
        gen = _GEN.unpack_from(mm, 88)[0]
        if writing < 0 and not gen & 1:
            return
        self.log(f"cache \"{self.name}\": a process died while writing; repairing (slot {writing})")
        if 0 <= writing < self.items:
            off = self.slots_off + writing * self.slot_size
            seq = _U32.unpack_from(mm, off)[0]
            if seq & 1:
                _SLOT_FULL.pack_into(mm, off, seq + 1, DEAD, 0, 0, 0, 0, 0, 0)
        _WRITING.pack_into(mm, 80, -1)
        # recount, and make every slot readable again
        used = deleted = 0
        for i in range(self.items):
            off = self.slots_off + i * self.slot_size
            seq, state = struct.unpack_from("<IB", mm, off)
            if seq & 1:
                _SLOT_FULL.pack_into(mm, off, seq + 1, DEAD, 0, 0, 0, 0, 0, 0)
                state = DEAD
            used += state == USED
            deleted += state == DEAD
        _U32.pack_into(mm, 72, used)
        _U32.pack_into(mm, _DELETED_OFF, deleted)
        if gen & 1:
            self._bump_gen()

    def after_fork(self) -> None:
        self.lock.after_fork()

    def close(self) -> None:
        self.mm.close()
        os.close(self.lock.fd)


# Where a key lives is fixed by the cache's geometry, so the facade's cache_get remembers it
# per key: (key bytes, slot offset, block offset, unpacker of the slot header plus key).
_Located = tuple  # (bytes, int, int, Callable[[mmap.mmap, int], tuple])
_MEMO_MAX = 4096  # keys remembered per cache; the memo is emptied when it grows past this
_HEAD_FORMAT = "<IBxHI4xq8x{}s"  # seq, state, keylen, vallen, expires, key (hash/pad/atime skipped)


def make_getter(caches: dict[object, Cache],
                fallback: Callable[[object, object], Optional[bytes]]) -> Callable[..., Optional[bytes]]:
    """``uwsgi.cache_get(key, cache=None)`` over ``caches`` (every accepted spelling of each
    name, None for the default), in one Python frame.

    The common case -- a str or bytes key seen before, found in its home slot, not expired --
    costs one dict lookup for the cache, one for the key, one struct read (header and key
    together), the value slice and the sequence re-check.  Anything else goes to the cache's
    full lookup, and a name not in ``caches`` or an odd key type to ``fallback``.
    """
    table: dict[object, tuple[dict[object, _Located], mmap.mmap, bool, Callable[[bytes], Optional[bytes]],
                              Callable[[object], Optional[_Located]]]] = {}
    for name, c in caches.items():
        if c.flags & FLAG_PURGE_LRU:
            continue  # every hit writes the access time: the per-cache reader does that
        table[name] = ({}, c.mm, not c.flags & FLAG_NO_EXPIRE, c._get_slow, _locator(c))
    seq_at = _U32.unpack_from
    clock = time.time

    def cache_get(key: object, cache: object = None) -> Optional[bytes]:
        try:
            memo, mm, expiry, slow, locate = table[cache]
        except (KeyError, TypeError):
            return fallback(key, cache)
        try:
            kb, off, boff, head = memo[key]
        except KeyError:
            found = locate(key)
            if found is None:
                return fallback(key, cache)
            if len(memo) >= _MEMO_MAX:
                memo.clear()
            memo[key] = found
            kb, off, boff, head = found
        except TypeError:  # an unhashable key: regent.api says what is wrong with it
            return fallback(key, cache)
        seq, state, keylen, vallen, expires, k = head(mm, off)
        if k == kb and state == USED and keylen == len(kb) and not seq & 1:
            value = mm[boff : boff + vallen]
            if seq_at(mm, off)[0] == seq and (not expires or not expiry or expires > clock()):
                return value
        return slow(kb)

    return cache_get


def _locator(c: Cache) -> Callable[[object], Optional[_Located]]:
    heads: dict[int, Callable[..., tuple]] = {}  # type: ignore[type-arg]

    def locate(key: object) -> Optional[_Located]:
        if type(key) is str:
            kb = key.encode()  # type: ignore[attr-defined]
        elif type(key) is bytes:
            kb = key  # type: ignore[assignment]
        else:
            return None
        klen = len(kb)
        if not 0 < klen <= c.keysize:
            return None
        head = heads.get(klen)
        if head is None:
            head = heads[klen] = struct.Struct(_HEAD_FORMAT.format(klen)).unpack_from
        i = crc32(kb) % c.items
        return kb, c.slots_off + i * c.slot_size, c.blocks_off + i * c.blocksize, head

    return locate


def _reinit(lock: threading.Lock) -> None:
    """Reset a thread lock in a forked child, keeping the object (and bound methods) alive."""
    lock._at_fork_reinit()  # type: ignore[attr-defined]  # CPython 3.9+: what threading uses


def _blank(mm: mmap.mmap, off: int, seq: int) -> None:
    """Empty a slot, its sequence odd while the fields change."""
    _U32.pack_into(mm, off, seq + 1)
    _SLOT_FULL.pack_into(mm, off, seq + 1, EMPTY, 0, 0, 0, 0, 0, 0)
    _U32.pack_into(mm, off, seq + 2)


def _stderr_log(message: str) -> None:
    print(message, file=sys.stderr)
