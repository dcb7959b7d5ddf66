"""uwsgi.set_user_harakiri: the SET_HARAKIRI frame on the slot connection."""

from __future__ import annotations

import socket
import threading
import unittest
from typing import Optional

import support  # noqa: F401  (puts regent on sys.path)

from regent import api, protocol, wsgi
from regent.channel import Channel
from regent.errors import ProtocolError


class SetHarakiriFrameTest(unittest.TestCase):
    def test_frame_layout(self) -> None:
        frame = protocol.encode_set_harakiri(30)
        self.assertEqual(frame, protocol.HEADER.pack(4, protocol.SET_HARAKIRI) + b"\x1e\x00\x00\x00")
        self.assertEqual(protocol.SET_HARAKIRI, 0x58)
        self.assertEqual(protocol.FRAME_NAMES[protocol.SET_HARAKIRI], "SET_HARAKIRI")
        self.assertEqual(protocol.decode_set_harakiri(frame[protocol.HEADER.size:]), 30)
        self.assertEqual(protocol.decode_set_harakiri(protocol.encode_set_harakiri(0)[protocol.HEADER.size:]), 0)

    def test_bad_values(self) -> None:
        with self.assertRaises(ValueError):
            protocol.encode_set_harakiri(-1)
        with self.assertRaises(ValueError):
            protocol.encode_set_harakiri(1 << 32)
        with self.assertRaises(ProtocolError):
            protocol.decode_set_harakiri(b"\x01\x00")


class SetUserHarakiriTest(unittest.TestCase):
    def setUp(self) -> None:
        self.master, worker = socket.socketpair()
        self.channel = Channel(worker)
        self.addCleanup(self.master.close)
        self.addCleanup(self.channel.close)

    def _in_slot_thread(self, *seconds: int) -> Optional[BaseException]:
        """Calls set_user_harakiri(s) for each s in a thread that serves a slot, as a request would."""
        error: list[BaseException] = []

        def run() -> None:
            wsgi.current_slot.channel = self.channel
            try:
                for s in seconds:
                    api.set_user_harakiri(s)
            except BaseException as exc:  # reported to the test thread
                error.append(exc)

        t = threading.Thread(target=run)
        t.start()
        t.join()
        return error[0] if error else None

    def _frames(self) -> list[tuple[int, bytes]]:
        reader = protocol.FrameReader()
        data = b""
        self.master.setblocking(False)
        try:
            while True:
                chunk = self.master.recv(65536)
                if not chunk:
                    break
                data += chunk
        except BlockingIOError:
            pass
        return [(f.type, bytes(f.payload)) for f in reader.feed(data)]

    def test_sends_the_frame_on_the_slot_connection(self) -> None:
        self.assertIsNone(self._in_slot_thread(5, 0))
        frames = self._frames()
        self.assertEqual(
            [(t, protocol.decode_set_harakiri(p)) for t, p in frames],
            [(protocol.SET_HARAKIRI, 5), (protocol.SET_HARAKIRI, 0)],
        )

    def test_negative_is_refused(self) -> None:
        self.assertIsInstance(self._in_slot_thread(-3), ValueError)
        self.assertEqual(self._frames(), [])

    def test_outside_a_slot_thread(self) -> None:
        # Nothing to clear outside a request: 0 is a no-op; setting one names what is missing.
        api.set_user_harakiri(0)
        with self.assertRaisesRegex(NotImplementedError, "set_user_harakiri"):
            api.set_user_harakiri(2)


if __name__ == "__main__":
    unittest.main()
