"""Blocking frame I/O on one slot connection (one thread owns each channel)."""

from __future__ import annotations

import socket

from .errors import ChannelClosed
from .protocol import ABORT, HEADER, HEADER_SIZE, check_header

_INITIAL_BUFFER = 256 * 1024


class Channel:
    """Reads frames with ``recv_into`` into one reusable buffer; writes with ``sendall``.

    A request frame usually arrives in a single ``recv``, so the common case is
    one syscall and one copy (the payload slice) per frame.  Any socket error or
    EOF becomes ChannelClosed: a slot cannot recover from a broken connection.
    """

    __slots__ = ("sock", "_buf", "_view", "_start", "_end")

    def __init__(self, sock: socket.socket) -> None:
        self.sock = sock
        self._buf = bytearray(_INITIAL_BUFFER)
        self._view = memoryview(self._buf)
        self._start = 0
        self._end = 0

    def read_frame(self) -> tuple[int, bytes]:
        buf = self._buf
        while True:
            start = self._start
            avail = self._end - start
            if avail >= HEADER_SIZE:
                length, frame_type = HEADER.unpack_from(buf, start)
                check_header(length, frame_type)
                stop = start + HEADER_SIZE + length
                if stop <= self._end:
                    payload = bytes(self._view[start + HEADER_SIZE : stop])
                    if stop == self._end:
                        self._start = self._end = 0
                    else:
                        self._start = stop
                    return frame_type, payload
                need = HEADER_SIZE + length
            else:
                need = HEADER_SIZE
            self._make_room(need)
            buf = self._buf
            end = self._end
            try:
                n = self.sock.recv_into(self._view[end:] if end else self._view)
            except OSError as exc:
                raise ChannelClosed(f"recv: {exc}") from exc
            if n == 0:
                raise ChannelClosed("EOF from the master")
            self._end += n

    def _make_room(self, need: int) -> None:
        """Ensure the buffer can hold ``need`` bytes from the current frame start."""
        start, end = self._start, self._end
        size = len(self._buf)
        if start + need <= size and end < size:
            return
        if need > size:
            # A frame larger than the buffer (a big environ): grow, keeping the
            # unread bytes; frame lengths were bounded by check_header.
            new = bytearray(max(need, size * 2))
            new[: end - start] = self._buf[start:end]
            self._buf = new
            self._view = memoryview(new)
        else:
            self._buf[: end - start] = self._buf[start:end]
        self._start = 0
        self._end = end - start

    def buffered(self) -> bool:
        """True when bytes of a next frame have already been read (poll would not report them)."""
        return self._end > self._start

    def abort_pending(self) -> bool:
        """True when an ABORT frame has arrived; never blocks.

        Only called while no request-body frame can still arrive (the body has
        ended), so the next frame, if any, can only be ABORT or end-of-stream.
        """
        if self._end - self._start < HEADER_SIZE:
            self._make_room(HEADER_SIZE)
            try:
                n = self.sock.recv_into(self._view[self._end :], 0, socket.MSG_DONTWAIT)
            except BlockingIOError:
                return False
            except OSError as exc:
                raise ChannelClosed(f"recv: {exc}") from exc
            if n == 0:
                raise ChannelClosed("EOF from the master")
            self._end += n
            if self._end - self._start < HEADER_SIZE:
                return False
        return bool(self._buf[self._start + 4] == ABORT)

    def send(self, data: bytes | memoryview) -> None:
        try:
            self.sock.sendall(data)
        except OSError as exc:
            raise ChannelClosed(f"send: {exc}") from exc

    def close(self) -> None:
        self.sock.close()
