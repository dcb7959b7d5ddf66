"""Cutting a worker's stdout/stderr byte stream into LOG lines."""

from __future__ import annotations

MAX_LINE = 4096


class LineSplitter:
    """Buffers one pipe's bytes and returns complete lines as UTF-8 text.

    Lines longer than MAX_LINE bytes are cut (at a UTF-8 character boundary when
    the bytes are UTF-8), so a worker printing without newlines cannot make the
    zygote buffer without bound.  Invalid UTF-8 is replaced, since LOG is text.
    """

    __slots__ = ("_buf",)

    def __init__(self) -> None:
        self._buf = bytearray()

    def feed(self, data: bytes) -> list[bytes]:
        buf = self._buf
        buf += data
        lines: list[bytes] = []
        start = 0
        while True:
            newline = buf.find(b"\n", start, start + MAX_LINE + 1)
            if newline >= 0:
                end = newline - 1 if newline > start and buf[newline - 1] == 0x0D else newline
                lines.append(_text(buf[start:end]))
                start = newline + 1
            elif len(buf) - start > MAX_LINE:
                cut = _cut(buf, start + MAX_LINE)
                lines.append(_text(buf[start:cut]))
                start = cut
            else:
                break
        del buf[:start]
        return lines

    def flush(self) -> list[bytes]:
        """The partial last line, when the pipe has closed."""
        if not self._buf:
            return []
        line = _text(self._buf)
        del self._buf[:]
        return [line]


def _cut(buf: bytearray, cut: int) -> int:
    # Back off over UTF-8 continuation bytes (10xxxxxx), at most three.
    for candidate in range(cut, cut - 4, -1):
        if buf[candidate] & 0xC0 != 0x80:
            return candidate
    return cut


def _text(raw: bytearray) -> bytes:
    return bytes(raw).decode("utf-8", "replace").encode("utf-8")
