"""The shared cache and user locks behind the uwsgi module: layout, semantics, processes."""

from __future__ import annotations

import importlib
import os
import shutil
import signal
import struct
import sys
import tempfile
import time
import unittest
from typing import Any

import support  # noqa: F401  (puts the runtime on sys.path)

from regent import api, cache

COMPAT = os.path.join(support.PYTHON_DIR, "compat")


def make_runtime(tmp: str, caches: list[dict[str, Any]], locks: int = 0, processes: int = 4) -> dict[str, Any]:
    """What the master writes into REGENT_CONFIG's "uwsgi" object, with files created here."""
    specs = []
    for i, c in enumerate(caches):
        path = c.get("path") or os.path.join(tmp, f"cache-{i}.mmap")
        if not os.path.exists(path):
            flags = 0
            for name, bit in cache.FLAG_NAMES.items():
                if c.get(name):
                    flags |= bit
            cache.create(path, c["items"], c.get("keysize", 2048), c.get("blocksize", 65535), c.get("blocks", 0),
                         flags, c.get("math_initial", 0))
        specs.append({"name": c["name"], "path": path, "lock": os.path.join(tmp, f"cache-{i}.lock"),
                      "store": bool(c.get("path"))})
    locks_file = os.path.join(tmp, "locks")
    with open(locks_file, "wb") as f:
        f.write(b"\0" * (locks + 1))
    workers_file = os.path.join(tmp, "workers")
    with open(workers_file, "wb") as f:
        f.write(b"\0" * 32 * processes)
    return {"caches": specs, "locks": locks, "locks_file": locks_file, "workers_file": workers_file,
            "masterpid": os.getpid(), "options": {"master": True, "processes": "4", "cache2": "name=x,items=10"},
            "mules": [], "farms": {}}


def import_uwsgi() -> Any:
    if COMPAT not in sys.path:
        sys.path.insert(0, COMPAT)
    sys.modules.pop("uwsgi", None)
    return importlib.import_module("uwsgi")


class CacheCase(unittest.TestCase):
    caches: list[dict[str, Any]] = [{"name": "bench", "items": 100, "blocksize": 1024}]
    locks = 0

    def setUp(self) -> None:
        self.tmp = tempfile.mkdtemp(prefix="regent-cache-")
        api.install(make_runtime(self.tmp, self.caches, self.locks), "/nonexistent", "0" * 32, 1, 4, 1)
        self.u = import_uwsgi()

    def tearDown(self) -> None:
        api._state = None
        sys.modules.pop("uwsgi", None)
        shutil.rmtree(self.tmp, ignore_errors=True)


class ReferenceAnswers(CacheCase):
    """The answers uWSGI 2.0.21 gave (shared/bench/samples/uwsgi-api.json), call by call."""

    def test_cache_section(self) -> None:
        u, c = self.u, "bench"
        self.assertIs(u.cache_set("k", "value1", 0, c), True)
        self.assertIsNone(u.cache_set("k", "value2", 0, c))  # no overwrite
        self.assertEqual(u.cache_get("k", c), b"value1")
        self.assertIs(u.cache_update("k", "value3", 0, c), True)
        self.assertEqual(u.cache_get("k", c), b"value3")
        self.assertIs(u.cache_exists("k", c), True)
        self.assertIsNone(u.cache_get("missing", c))
        self.assertIs(u.cache_inc("ctr", 1, 0, c), True)
        self.assertIs(u.cache_inc("ctr", 5, 0, c), True)
        self.assertEqual(u.cache_num("ctr", c), 6)
        self.assertEqual(u.cache_get("ctr", c).hex(), "0600000000000000")
        self.assertIs(u.cache_inc("k", 1, 0, c), True)
        self.assertEqual(u.cache_get("k", c).hex(), "77616c7565330000")  # "value3" + 1 as int64
        self.assertIs(u.cache_del("k", c), True)
        self.assertIsNone(u.cache_exists("k", c))

    def test_without_the_named_cache(self) -> None:
        u = self.u
        self.assertIsNone(u.cache_set("k", "v", 0, "nope"))
        self.assertIsNone(u.cache_get("k", "nope"))
        self.assertEqual(u.cache_num("k", "nope"), 0)

    def test_lock_section(self) -> None:
        u = self.u
        self.assertIsNone(u.lock())
        self.assertIs(u.is_locked(), True)
        self.assertIsNone(u.unlock())
        self.assertIs(u.is_locked(), False)
        with self.assertRaisesRegex(ValueError, "Invalid lock number"):
            u.lock(1)

    def test_types(self) -> None:
        u = self.u
        self.assertIsInstance(u.version, bytes)
        self.assertIsInstance(u.hostname, bytes)
        self.assertEqual(u.opt["processes"], b"4")
        self.assertIs(u.opt["master"], True)
        self.assertEqual(u.masterpid(), os.getpid())
        self.assertEqual(u.numproc, 4)
        with self.assertRaisesRegex(NotImplementedError, "spooler"):
            u.spool({b"a": b"b"})


class Semantics(CacheCase):
    caches = [
        {"name": "small", "items": 4, "keysize": 8, "blocksize": 16},
        {"name": "lru", "items": 3, "keysize": 16, "blocksize": 16, "purge_lru": True},
        {"name": "big", "items": 64, "keysize": 64, "blocksize": 64, "math_initial": 10},
    ]

    def test_first_cache_is_the_default(self) -> None:
        self.assertIs(self.u.cache_set("a", "1"), True)
        self.assertEqual(self.u.cache_get("a", "small"), b"1")

    def test_too_big_and_full(self) -> None:
        u = self.u
        self.assertIsNone(u.cache_set("k" * 9, "v", 0, "small"))
        self.assertIsNone(u.cache_set("k", "v" * 17, 0, "small"))
        for i in range(4):
            self.assertIs(u.cache_set(f"k{i}", "v", 0, "small"), True)
        self.assertIsNone(u.cache_set("k9", "v", 0, "small"))
        stats = u.cache_stats("small")
        self.assertEqual((stats["too_big"], stats["full"], stats["used"]), (2, 1, 4))
        self.assertIs(u.cache_update("k1", "w", 0, "small"), True)  # updating a key needs no room

    def test_expiry_is_checked_on_read_and_swept(self) -> None:
        u = self.u
        u.cache_set("e", "v", 1, "big")
        self.assertEqual(u.cache_get("e", "big"), b"v")
        c = api._s().caches["big"]
        off = c.slots_off + c.get.__self__._find(b"e")[0] * c.slot_size  # type: ignore[attr-defined]
        struct.pack_into("<q", c.mm, off + 16, int(time.time()) - 1)  # expired a second ago
        self.assertIsNone(u.cache_get("e", "big"))
        self.assertIs(u.cache_set("e", "new", 0, "big"), True)  # an expired key may be set again
        self.assertEqual(u.cache_get("e", "big"), b"new")
        struct.pack_into("<q", c.mm, off + 16, int(time.time()) - 1)
        self.assertEqual(c.sweep(), 1)
        self.assertEqual(u.cache_keys("big"), [])

    def test_purge_lru(self) -> None:
        u = self.u
        for k in ("a", "b", "c"):
            u.cache_set(k, k, 0, "lru")
        u.cache_get("a", "lru")  # b is now the least recently used
        self.assertIs(u.cache_set("d", "d", 0, "lru"), True)
        self.assertIsNone(u.cache_get("b", "lru"))
        self.assertEqual(sorted(u.cache_keys("lru")), [b"a", b"c", b"d"])

    def test_math(self) -> None:
        u = self.u
        u.cache_inc("n", 5, 0, "big")
        self.assertEqual(u.cache_num("n", "big"), 15)  # math_initial 10
        u.cache_mul("n", 3, 0, "big")
        u.cache_dec("n", 50, 0, "big")
        self.assertEqual(u.cache_num("n", "big"), -5)
        u.cache_div("n", 2, 0, "big")
        self.assertEqual(u.cache_num("n", "big"), -2)  # C truncation
        self.assertIsNone(u.cache_div("n", 0, 0, "big"))
        u.cache_update("max", struct.pack("<q", 2**63 - 1), 0, "big")
        u.cache_inc("max", 1, 0, "big")
        self.assertEqual(u.cache_num("max", "big"), -(2**63))

    def test_delete_clear_and_rebuild(self) -> None:
        u = self.u
        for i in range(60):
            self.assertIs(u.cache_set(f"key{i}", f"v{i}", 0, "big"), True)
        for i in range(0, 60, 2):
            self.assertIs(u.cache_del(f"key{i}", "big"), True)
        self.assertIsNone(u.cache_del("key0", "big"))
        for i in range(1, 60, 2):
            self.assertEqual(u.cache_get(f"key{i}", "big"), f"v{i}".encode())
        self.assertLess(u.cache_stats("big")["deleted"], 16)  # rebuilt along the way
        self.assertEqual(len(u.cache_keys("big")), 30)
        self.assertIs(u.cache_clear("big"), True)
        self.assertEqual(u.cache_keys("big"), [])
        self.assertIsNone(u.cache_get("key1", "big"))

    def test_bytes_and_str_keys_are_the_same(self) -> None:
        self.u.cache_set(b"\xc3\xa9", b"x", 0, "big")
        self.assertEqual(self.u.cache_get("\u00e9", "big"), b"x")

    def test_dead_writer_is_repaired(self) -> None:
        c = api._s().caches["big"]
        self.u.cache_set("k", "v", 0, "big")
        i = c._find(b"k")[0]
        off = c.slots_off + i * c.slot_size
        seq = struct.unpack_from("<I", c.mm, off)[0]
        struct.pack_into("<I", c.mm, off, seq + 1)  # as if a writer died mid-write
        struct.pack_into("<i", c.mm, 80, i)
        self.assertIsNone(self.u.cache_get("k", "big"))  # the reader repairs, then misses
        self.assertIs(self.u.cache_set("k", "v2", 0, "big"), True)
        self.assertEqual(self.u.cache_get("k", "big"), b"v2")


class Processes(CacheCase):
    caches = [{"name": "c", "items": 16, "keysize": 32, "blocksize": 64}]
    locks = 2

    def _fork(self, fn: Any) -> int:
        pid = os.fork()
        if pid == 0:
            code = 1
            try:
                fn()
                code = 0
            finally:
                os._exit(code)
        return pid

    def test_four_processes_increment_one_counter(self) -> None:
        def work() -> None:
            for _ in range(1000):
                assert self.u.cache_inc("counter", 1, 0, "c")

        pids = [self._fork(work) for _ in range(4)]
        for pid in pids:
            self.assertEqual(os.waitpid(pid, 0)[1], 0)
        self.assertEqual(self.u.cache_num("counter", "c"), 4000)

    def test_readers_never_see_a_torn_value(self) -> None:
        def write() -> None:
            for i in range(3000):
                self.u.cache_update("v", bytes([i % 251]) * (1 + i % 60), 0, "c")

        pid = self._fork(write)
        seen = 0
        while os.waitpid(pid, os.WNOHANG)[0] == 0:
            v = self.u.cache_get("v", "c")
            if v is not None:
                self.assertEqual(len(set(v)), 1, v)
                seen += 1
        self.assertGreater(seen, 0)

    def test_lock_of_a_killed_holder_is_released(self) -> None:
        r, w = os.pipe()

        def hold() -> None:
            self.u.lock(2)
            os.write(w, b"x")
            time.sleep(60)

        pid = self._fork(hold)
        os.read(r, 1)
        self.assertIs(self.u.is_locked(2), True)
        os.kill(pid, signal.SIGKILL)
        os.waitpid(pid, 0)
        self.assertIs(self.u.is_locked(2), False)
        self.u.lock(2)
        self.u.unlock(2)

    def test_lock_excludes_other_processes(self) -> None:
        self.u.cache_update("n", struct.pack("<q", 0), 0, "c")

        def work() -> None:
            for _ in range(300):
                self.u.lock(1)
                n = self.u.cache_num("n", "c")  # read-modify-write made atomic by the user lock
                self.u.cache_update("n", struct.pack("<q", n + 1), 0, "c")
                self.u.unlock(1)

        pids = [self._fork(work) for _ in range(3)]
        for pid in pids:
            self.assertEqual(os.waitpid(pid, 0)[1], 0)
        self.assertEqual(self.u.cache_num("n", "c"), 900)


class Persistence(unittest.TestCase):
    def test_a_store_file_keeps_its_items(self) -> None:
        tmp = tempfile.mkdtemp(prefix="regent-cache-")
        try:
            store = os.path.join(tmp, "store.cache")
            conf = make_runtime(tmp, [{"name": "s", "items": 10, "path": store}])
            api.install(conf, "/x", "0" * 32, 1, 1, 1)
            u = import_uwsgi()
            u.cache_set("kept", "yes")
            api._s().caches["s"].close()
            api._state = None
            api.install(make_runtime(tmp, [{"name": "s", "items": 10, "path": store}]), "/x", "0" * 32, 1, 1, 1)
            self.assertEqual(import_uwsgi().cache_get("kept"), b"yes")
        finally:
            api._state = None
            sys.modules.pop("uwsgi", None)
            shutil.rmtree(tmp, ignore_errors=True)


class ImportOutsideRegent(unittest.TestCase):
    def test_import_fails_when_not_installed(self) -> None:
        api._state = None
        sys.modules.pop("uwsgi", None)
        if COMPAT not in sys.path:
            sys.path.insert(0, COMPAT)
        with self.assertRaises(ImportError):
            importlib.import_module("uwsgi")

    def test_not_on_the_path_of_a_plain_interpreter(self) -> None:
        import subprocess

        out = subprocess.run([support.PYTHON, "-c", "import uwsgi"], capture_output=True, cwd=tempfile.gettempdir())
        self.assertNotEqual(out.returncode, 0)


if __name__ == "__main__":
    unittest.main()
