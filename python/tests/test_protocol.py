"""The sans-IO codec: encoders, the incremental reader, limits."""

from __future__ import annotations

import marshal
import sys
import unittest

from support import protocol

from regent.errors import ProtocolError
from regent.protocol import Frame, FrameReader


def sample_stream() -> tuple[bytes, list[Frame]]:
    environ = protocol.encode_environ({"REQUEST_METHOD": "GET", "PATH_INFO": "/hi", "HTTP_X": "\xe9" * 300})
    frames = [
        protocol.encode_hello("a" * 32, protocol.ROLE_SLOT, 7, 2, 1, 4242),
        protocol.encode_request(0, environ),
        protocol.encode_body(b"chunk"),
        protocol.encode_body(b""),
        protocol.encode_body_end(),
        protocol.encode_response_head(200, protocol.CLOSE, 2, b"200 OK\r\nContent-Length: 2\r\n"),
        protocol.encode_response_body(b"hi"),
        protocol.encode_response_end(),
        protocol.encode_sendfile(10, -1, b"/proc/1/fd/3"),
        protocol.encode_file_opened(True),
        protocol.encode_spawn(3),
        protocol.encode_signal(99, 15),
        protocol.encode_shutdown(True),
        protocol.encode_ready("app"),
        protocol.encode_load_failed("Traceback\n"),
        protocol.encode_spawned(3, 99),
        protocol.encode_exited(3, 99, -9),
        protocol.encode_log(3, protocol.STDERR, b"line"),
    ]
    data = b"".join(frames)
    decoded = FrameReader().feed(data)
    return data, decoded


class EncodeTest(unittest.TestCase):
    def test_worked_example(self) -> None:
        block = b"200 OK\r\nContent-Type: text/plain\r\nContent-Length: 2\r\n"
        data = (
            protocol.encode_response_head(200, 0, 2, block)
            + protocol.encode_response_body(b"hi")
            + protocol.encode_response_end()
        )
        self.assertEqual(
            data,
            bytes.fromhex("4100000020 c800 00 00 0200000000000000".replace(" ", ""))
            + block
            + bytes.fromhex("0200000021")
            + b"hi"
            + bytes.fromhex("010000002200"),
        )

    def test_hello_layout(self) -> None:
        frame = protocol.encode_hello("0123456789abcdef" * 2, protocol.ROLE_CONTROL, 1, 0, 0, 0x01020304)
        self.assertEqual(frame[:5], bytes.fromhex("3100000001"))
        self.assertEqual(frame[5:37], b"0123456789abcdef" * 2)
        self.assertEqual(frame[37:], bytes.fromhex("01 01000000 00000000 00000000 04030201".replace(" ", "")))
        hello = protocol.decode_hello(frame[5:])
        self.assertEqual(hello, protocol.Hello("0123456789abcdef" * 2, 1, 1, 0, 0, 0x01020304))

    def test_hello_rejects_a_bad_token(self) -> None:
        with self.assertRaises(ValueError):
            protocol.encode_hello("short", 1, 1, 0, 0, 1)

    def test_small_payloads(self) -> None:
        self.assertEqual(protocol.encode_sendfile(5, -1, b"/p"), bytes.fromhex("1200000023") + (5).to_bytes(8, "little")
                         + b"\xff" * 8 + b"/p")
        self.assertEqual(protocol.encode_spawned(1, 2), bytes.fromhex("08000000420100000002000000"))
        self.assertEqual(protocol.encode_exited(1, 2, -15)[-4:], (-15).to_bytes(4, "little", signed=True))
        self.assertEqual(protocol.encode_log(1, 2, b"x"), bytes.fromhex("060000004401000000") + b"\x02x")
        self.assertEqual(protocol.encode_signal(7, 9), bytes.fromhex("05000000310700000009"))
        self.assertEqual(protocol.encode_body_end(True), bytes.fromhex("010000001201"))

    def test_empty_response_body_is_refused(self) -> None:
        with self.assertRaises(ValueError):
            protocol.encode_response_body(b"")

    def test_decoders_round_trip(self) -> None:
        _, frames = sample_stream()
        by_type = {f.type: f.payload for f in frames}
        self.assertEqual(protocol.decode_sendfile(by_type[protocol.SENDFILE]), (10, -1, b"/proc/1/fd/3"))
        self.assertEqual(protocol.decode_spawn(by_type[protocol.SPAWN]), 3)
        self.assertEqual(protocol.decode_signal(by_type[protocol.SIGNAL]), (99, 15))
        self.assertEqual(protocol.decode_spawned(by_type[protocol.SPAWNED]), (3, 99))
        self.assertEqual(protocol.decode_exited(by_type[protocol.EXITED]), (3, 99, -9))
        self.assertEqual(protocol.decode_log(by_type[protocol.LOG]), (3, 2, b"line"))
        self.assertEqual(protocol.decode_status_byte(protocol.SHUTDOWN, by_type[protocol.SHUTDOWN]), 1)
        head = protocol.decode_response_head(by_type[protocol.RESPONSE_HEAD])
        self.assertEqual(head, protocol.ResponseHead(200, 1, 2, b"200 OK\r\nContent-Length: 2\r\n"))
        env = marshal.loads(by_type[protocol.REQUEST][1:])
        self.assertEqual(env["HTTP_X"], "\xe9" * 300)

    def test_status_byte_length_is_checked(self) -> None:
        with self.assertRaises(ProtocolError):
            protocol.decode_status_byte(protocol.BODY_END, b"")

    def test_environ_uses_only_the_masters_marshal_codes(self) -> None:
        data = protocol.encode_environ({"A": "b", "LONG": "x" * 256})
        self.assertEqual(data[:7], b"{z\x01Az\x01b")
        self.assertEqual(data[7:13], b"z\x04LONG")
        self.assertEqual(data[13:18], b"a\x00\x01\x00\x00")
        self.assertEqual(data[-1:], b"0")


class MarshalLatin1Test(unittest.TestCase):
    """The spec relies on marshal's ASCII codes mapping bytes to code points 1:1."""

    def test_every_byte_value_round_trips(self) -> None:
        raw = bytes(range(256))
        for code, size in ((b"z", bytes((len(raw) - 1,))), (b"a", len(raw).to_bytes(4, "little"))):
            data = raw[:-1] if code == b"z" else raw
            value = marshal.loads(b"{" + code + size + data + b"z\x01k" + b"0")
            (key,) = value
            self.assertEqual(key, data.decode("latin-1"), sys.version)


class FrameReaderTest(unittest.TestCase):
    def test_split_at_every_byte(self) -> None:
        data, expected = sample_stream()
        self.assertEqual(len(expected), 18)
        for cut in range(len(data) + 1):
            reader = FrameReader()
            frames = reader.feed(data[:cut]) + reader.feed(data[cut:])
            self.assertEqual(frames, expected, cut)
            self.assertEqual(reader.buffered, 0)

    def test_one_byte_at_a_time(self) -> None:
        data, expected = sample_stream()
        reader = FrameReader()
        frames: list[Frame] = []
        for i in range(len(data)):
            frames += reader.feed(data[i : i + 1])
        self.assertEqual(frames, expected)

    def test_partial_frame_stays_buffered(self) -> None:
        reader = FrameReader()
        self.assertEqual(reader.feed(b"\x03\x00\x00\x00\x11ab"), [])
        self.assertEqual(reader.buffered, 7)
        self.assertEqual(reader.feed(b"c"), [Frame(protocol.BODY, b"abc")])

    def test_oversized_frame_is_an_error_before_its_payload(self) -> None:
        reader = FrameReader()
        with self.assertRaisesRegex(ProtocolError, r"frame length: 16777217 \(expected: <= 16777216\)"):
            reader.feed((protocol.MAX_PAYLOAD + 1).to_bytes(4, "little") + b"\x11")
        with self.assertRaises(ProtocolError):
            reader.feed(b"")  # stays failed

    def test_max_sized_frame_is_accepted(self) -> None:
        frame = protocol.encode_body(b"x" * protocol.MAX_PAYLOAD)
        self.assertEqual(len(FrameReader().feed(frame)[0].payload), protocol.MAX_PAYLOAD)

    def test_unknown_type_is_an_error(self) -> None:
        with self.assertRaisesRegex(ProtocolError, "frame type: 0x99"):
            FrameReader().feed(b"\x00\x00\x00\x00\x99")


if __name__ == "__main__":
    unittest.main()


class ChannelTest(unittest.TestCase):
    """The socket reader: frames split across recv calls, frames bigger than its buffer."""

    def test_frames_in_odd_pieces(self) -> None:
        import socket
        import threading

        from regent.channel import Channel
        from regent.errors import ChannelClosed

        payloads = [b"a", b"", b"x" * 70000, b"y" * (1024 * 1024 + 3), b"z" * 300000, b"end"]
        data = b"".join(protocol.encode_body(p) for p in payloads)
        left, right = socket.socketpair()
        channel = Channel(right)

        def writer() -> None:
            pos = 0
            size = 1
            while pos < len(data):
                left.sendall(data[pos : pos + size])
                pos += size
                size = size * 3 + 1
            left.close()

        thread = threading.Thread(target=writer)
        thread.start()
        got = [channel.read_frame() for _ in payloads]
        self.assertEqual(got, [(protocol.BODY, p) for p in payloads])
        with self.assertRaises(ChannelClosed):
            channel.read_frame()
        thread.join()
        channel.close()
