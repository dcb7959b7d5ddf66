"""The ``unique=True`` timers and crons: the flag in ADD_TIMER and ADD_CRON."""

from __future__ import annotations

import struct
import unittest
from typing import Callable
from unittest import mock

import support  # noqa: F401  (puts regent on sys.path)

from regent import protocol, signals


class UniqueFlagTest(unittest.TestCase):
    def capture(self, action: Callable[[], object]) -> list[tuple[int, bytes]]:
        frames: list[bytes] = []
        with mock.patch.object(signals, "_send", frames.append):
            action()
        reader = protocol.FrameReader()
        return [(f.type, bytes(f.payload)) for f in reader.feed(b"".join(frames))]

    def test_timers(self) -> None:
        frames = self.capture(lambda: (
            signals.add_timer(3, 2),
            signals.add_timer(4, 2, unique=True),
            signals.add_ms_timer(5, 250, unique=True),
            signals.add_rb_timer(6, 1, 3, unique=True),
        ))
        self.assertEqual([t for t, _ in frames], [protocol.ADD_TIMER] * 4)
        self.assertEqual([struct.unpack("<BBII", p) for _, p in frames], [
            (3, 0, 2000, 0),
            (4, signals.FLAG_UNIQUE, 2000, 0),
            (5, signals.FLAG_UNIQUE, 250, 0),
            (6, signals.FLAG_UNIQUE, 1000, 3),
        ])

    def test_crons(self) -> None:
        frames = self.capture(lambda: (
            signals.add_cron(7, -1, -1, -1, -1, -1),
            signals.add_cron(8, 0, -2, -1, -1, -1, unique=True),
        ))
        (t1, plain), (t2, unique) = frames
        self.assertEqual((t1, t2), (protocol.ADD_CRON, protocol.ADD_CRON))
        # An ordinary cron keeps the 11-byte payload; a unique one appends the flags byte.
        self.assertEqual(struct.unpack("<Bhhhhh", plain), (7, -1, -1, -1, -1, -1))
        self.assertEqual(struct.unpack("<BhhhhhB", unique), (8, 0, -2, -1, -1, -1, signals.FLAG_UNIQUE))


if __name__ == "__main__":
    unittest.main()
