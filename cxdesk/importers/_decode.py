"""Decoding text files line by line when one file mixes encodings.

Detection guesses a file's encoding from its head, but a file stitched together from
two exports (or edited in two programs) can switch from UTF-8 to GBK — or back — after
the first 64 KB. :class:`DecodedText` reads the file in blocks of whole lines, decodes
each block with the detected encoding in one call (the usual case: nothing else runs),
and only for a block that fails (or, for a GB file, that holds what looks like UTF-8)
decodes line by line: the detected encoding, else the other of UTF-8 / GB18030. Bytes
that no encoding reads become :data:`._limits.UNDECODABLE`, and the row holding them is
rejected by the importer: nothing is stored as U+FFFD behind the user's back. NUL characters
are marked the same way: no export writes them (they are pieces of UTF-16 text pasted into the
file, or binary junk), the csv module would store them, and pandas' parser silently cuts the cell
at the first one ("在吗\\0你好" became "在吗", a line of UTF-16 lost every cell but its first letter).

It also bounds memory: a line longer than :data:`._limits.MAX_LINE_BYTES` is skipped while
reading and handed out as a :class:`LongLine` (its start only), for the reader to reject.
UTF-16/32 files (no ASCII line bytes) are decoded by an incremental decoder instead.
"""

from __future__ import annotations

import codecs
import io
import re
from collections.abc import Iterator
from pathlib import Path

from cxdesk.importers._limits import MAX_CELL_CHARS, MAX_LINE_BYTES, UNDECODABLE

BLOCK_BYTES = 32 * 1024  # decoding blocks that stay in the CPU cache is ~40 % faster than 1 MB ones
_BOM = codecs.BOM_UTF8
_GB = {"gb18030", "gbk", "gb2312"}
_NOT_ASCII_LINES = ("utf-16", "utf-32", "utf-7", "hz", "iso2022")  # codec names with other line bytes
# Bytes 0x80–0xA0 never occur in GB2312 text and are a third of UTF-8's Chinese bytes: a GB
# block that has them may hold UTF-8 lines (which a GB decoder reads without error, as garbage).
_LOW_HIGH = bytes(b for b in range(256) if not 0x80 <= b <= 0xA0)
_ASCII = bytes(range(128))
# What a wrongly chosen fallback produces: control characters and private-use code points.
_IMPLAUSIBLE = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f\ue000-\uf8ff\ufffd]")


def _mark(exc: UnicodeError) -> tuple[str, int]:
    if not isinstance(exc, UnicodeDecodeError):
        raise exc
    return UNDECODABLE, exc.end


codecs.register_error("cxdesk-undecodable", _mark)


class LongLine(str):
    """A line over the size limit: its first characters, and its size in bytes."""

    size: int

    def __new__(cls, head: str, size: int) -> LongLine:
        self = super().__new__(cls, head)
        self.size = size
        return self


class LineTooLong(Exception):
    """Raised by :meth:`DecodedText.read` (the pandas readers) at a :class:`LongLine`."""


def ascii_lines(encoding: str) -> bool:
    """Whether ``encoding`` writes line breaks, quotes and delimiters as their ASCII bytes."""
    return not codecs.lookup(encoding).name.startswith(_NOT_ASCII_LINES)


class _Codec:
    """Decodes whole lines in the file's encoding, falling back line by line."""

    def __init__(self, encoding: str) -> None:
        name = codecs.lookup(encoding).name
        self.main = "utf-8" if name == "utf-8-sig" else name
        self.fallbacks = [e for e in ("utf-8", "gb18030") if e != self.main]
        self.look_for_utf8 = self.main in _GB
        self.undecodable = 0  # lines that kept unreadable bytes (or NUL characters)

    def decode(self, data: bytes) -> str:
        text = self._decode(data)
        if b"\x00" in data:  # memchr; a NUL byte is the NUL character in every encoding read here
            text = self.marked_nul(text)
        return text

    def marked_nul(self, text: str) -> str:
        """``text`` with its NUL characters as :data:`UNDECODABLE` (counted), see the module doc."""
        if "\x00" not in text:
            return text
        self.undecodable += 1
        return text.replace("\x00", UNDECODABLE)

    def _decode(self, data: bytes) -> str:
        try:
            text = data.decode(self.main)
        except UnicodeDecodeError:
            return self._by_line(data)
        if self.look_for_utf8 and data.translate(None, _LOW_HIGH):
            return self._by_line(data)
        return text

    def _by_line(self, data: bytes) -> str:
        return "".join(map(self.line, data.splitlines(keepends=True)))

    def line(self, line: bytes) -> str:
        if self.look_for_utf8 and not line.isascii():
            try:
                return line.decode("utf-8")
            except UnicodeDecodeError:
                pass
        try:
            return line.decode(self.main)
        except UnicodeDecodeError:
            pass
        for enc in self.fallbacks:
            try:
                text = line.decode(enc)
            except UnicodeDecodeError:
                continue
            if not _IMPLAUSIBLE.search(text):
                return text
        self.undecodable += 1
        body = line.rstrip(b"\r\n")  # decoded apart, so no lead byte can swallow the line break
        texts = [body.decode(enc, "cxdesk-undecodable") for enc in (self.main, *self.fallbacks)]
        if texts[0].count(UNDECODABLE) * 2 > len(body.translate(None, _ASCII)):  # mostly another encoding
            texts[0] = min(texts, key=lambda t: t.count(UNDECODABLE))
        return texts[0] + line[len(body) :].decode("ascii")


def decode_bytes(data: bytes, encoding: str | None, *, final: bool = True) -> str:
    """``data`` decoded as :class:`DecodedText` would (for heads and whole JSON files).

    With ``final`` False the last, cut line is decoded leniently (only for sniffing).
    """
    encoding = encoding or "utf-8"
    if not ascii_lines(encoding):
        dec = codecs.getincrementaldecoder(encoding)("cxdesk-undecodable")
        return dec.decode(data, final=final)
    codec = _Codec(encoding)
    if codec.main == "utf-8" and data.startswith(_BOM):
        data = data[len(_BOM) :]
    cut = len(data) if final else _last_line_end(data)
    text = codec.decode(data[:cut]) if cut else ""
    if cut < len(data):
        # the cut last line (sniffing only): marked like any other, so no U+FFFD reaches a shop name
        text += codec.marked_nul(
            codecs.getincrementaldecoder(codec.main)("cxdesk-undecodable").decode(data[cut:], final=False)
        )
    return text


def _last_line_end(buf: bytes) -> int:
    """Index just after the last line break of ``buf`` (0 if none); a final CR may be half of CRLF."""
    return max(buf.rfind(b"\n"), buf.rfind(b"\r", 0, len(buf) - 1)) + 1


def _short_lines(buf: bytes, end: int) -> bool:
    """Whether every line of ``buf[:end]`` is shorter than MAX_CELL_CHARS bytes (so no cell in
    it can be longer): each window of half that size has a line break (a few memchr calls)."""
    step = MAX_CELL_CHARS // 2
    return all(buf.find(b"\n", i, i + step) >= 0 for i in range(0, end, step))


def _first_line_end(buf: bytes) -> int:
    """Index just after the first line break of ``buf`` (0 if none)."""
    lf = buf.find(b"\n")
    cr = buf.find(b"\r", 0, len(buf) - 1 if lf < 0 else lf)
    if cr >= 0 and buf[cr + 1 : cr + 2] != b"\n":  # a lone CR (old Mac files)
        return cr + 1
    return lf + 1


class DecodedText(io.TextIOBase):
    """A text file as lines (iteration) or as text (:meth:`read`, for pandas).

    ``count`` is the number of bytes read from disk so far (progress); ``undecodable`` the
    number of lines (UTF-16/32: blocks) so far that kept bytes no encoding could read;
    ``long_lines`` whether a line read so far may hold a cell over MAX_CELL_CHARS (False
    lets the pandas readers skip measuring cells of one-line rows).
    """

    def __init__(self, path: Path, encoding: str | None, block: int = BLOCK_BYTES) -> None:
        self.encoding_name = encoding or "utf-8"
        self._codec = _Codec(self.encoding_name) if ascii_lines(self.encoding_name) else None
        self._fh = open(path, "rb", buffering=0)
        self._block = block
        self.count = 0
        self._pieces = self._ascii_pieces() if self._codec else self._wide_pieces()
        self._buf, self._pos = "", 0
        self._wide_undecodable = 0
        self.long_lines = self._codec is None  # UTF-16/32: not measured

    @property
    def undecodable(self) -> int:
        return self._codec.undecodable if self._codec else self._wide_undecodable

    def readable(self) -> bool:
        return True

    def close(self) -> None:
        self._fh.close()
        super().close()

    def _read(self, at_least: int = 0) -> bytes:
        data = self._fh.read(max(self._block, at_least))  # a long line: read more at once
        self.count += len(data)
        return data

    def _ascii_pieces(self) -> Iterator[str]:
        """Decoded runs of whole lines, and a LongLine for each over-long line.

        Only a line that began in ``carry`` can be over-long: lines within one block are shorter."""
        codec, carry = self._codec, b""
        data = self._read()
        if codec.main == "utf-8" and data.startswith(_BOM):
            data = data[len(_BOM) :]
        while data:
            buf = carry + data if carry else data
            while len(buf) > MAX_LINE_BYTES and not 0 < (end := _first_line_end(buf)) <= MAX_LINE_BYTES:
                head = buf[:600].decode(codec.main, "replace")[:200]
                buf, size = (buf[end:], end) if end else self._skip_line(len(buf))
                yield LongLine(head, size)
            cut = _last_line_end(buf)
            if cut:
                self.long_lines = self.long_lines or not _short_lines(buf, cut)
                yield codec.decode(buf[:cut])
            carry = buf[cut:]
            data = self._read(len(carry))
        if carry:
            self.long_lines = self.long_lines or not _short_lines(carry + b"\n", len(carry) + 1)
            yield codec.decode(carry)

    def _skip_line(self, size: int) -> tuple[bytes, int]:
        """Read past the rest of an over-long line: (bytes after it, its size)."""
        while data := self._read(BLOCK_BYTES * 32):
            end = _first_line_end(data)
            if end:
                return data[end:], size + end
            size += len(data)
        return b"", size

    def _wide_pieces(self) -> Iterator[str]:
        """UTF-16/32: decode first, then cut at line breaks in the text."""
        dec = codecs.getincrementaldecoder(self.encoding_name)("cxdesk-undecodable")
        carry, skipping, skipped = "", None, 0
        while True:
            data = self._read()
            text = dec.decode(data, final=not data)
            if "\x00" in text:  # as _Codec.marked_nul
                text = text.replace("\x00", UNDECODABLE)
            if UNDECODABLE in text:
                self._wide_undecodable += 1
            if skipping is not None:
                end = text.find("\n") + 1 if data else len(text)
                if not end and data:
                    skipped += len(text)
                    continue
                yield LongLine(skipping, (skipped + end) * 2)
                skipping, text = None, text[end:]
            buf = carry + text
            cut = max(buf.rfind("\n"), buf.rfind("\r", 0, len(buf) - 1)) + 1 if data else len(buf)
            if not cut and len(buf) > MAX_LINE_BYTES // 2:
                skipping, skipped, carry = buf[:200], len(buf), ""
                continue
            if cut:
                yield buf[:cut]
            carry = buf[cut:]
            if not data:
                return

    def __iter__(self) -> Iterator[str]:
        for piece in self._pieces:
            if type(piece) is LongLine:
                yield piece
            else:
                yield from io.StringIO(piece, newline="")

    def read(self, size: int | None = -1) -> str:
        """Up to ``size`` characters (all for -1); raises LineTooLong at an over-long line."""
        if size is None or size < 0:
            return "".join(iter(lambda: self.read(BLOCK_BYTES), ""))
        while self._pos >= len(self._buf):
            piece = next(self._pieces, None)
            if piece is None:
                return ""
            if type(piece) is LongLine:
                raise LineTooLong(piece)
            self._buf, self._pos = piece, 0
        out = self._buf[self._pos : self._pos + size]
        self._pos += len(out)
        return out
