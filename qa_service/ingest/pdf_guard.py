"""A guard against decompression bombs in PDFs: a tiny file whose Flate streams inflate to gigabytes.

pdfminer (under pdfplumber) inflates a stream whole, with no limit, so a 2 MB PDF can take gigabytes of
memory. Before any PDF library sees a file, every ``/FlateDecode`` stream (chained filters too) is
inflated here piece by piece, with nothing kept, and the file is refused once the total passes a
limit. It costs one pass of zlib over the file (well under a second for an ordinary PDF).
"""

from __future__ import annotations

import re
import zlib

from qa_service.errors import IngestError

MAX_INFLATED_BYTES = 256 * 1024 * 1024  # all streams of one file together
_PIECE = 1 << 20
_STREAM = re.compile(rb"stream\r?\n")
_FILTER = re.compile(rb"/Filter\s*(\[[^\]]*\]|/[A-Za-z0-9]+)")
_NAME = re.compile(rb"/([A-Za-z0-9]+)")
_FLATE = {b"FlateDecode", b"Fl"}
_ASCII = {b"ASCII85Decode": "a85", b"A85": "a85", b"ASCIIHexDecode": "hex", b"AHx": "hex"}
_DICT_LOOKBACK = 4096


def _inflated_size(data: bytes, layers: int, budget: int) -> int:
    """Bytes ``data`` inflates to through ``layers`` chained Flate filters, counting at most ``budget`` + 1."""
    decoders = [zlib.decompressobj() for _ in range(layers)]
    total = 0

    def feed(level: int, chunk: bytes) -> None:
        nonlocal total
        decoder = decoders[level]
        while chunk and total <= budget and not decoder.eof:
            out = decoder.decompress(chunk, _PIECE)
            if not out and decoder.unconsumed_tail == chunk:
                break  # no progress (zlib keeps bytes after the end of the stream here)
            chunk = decoder.unconsumed_tail
            if level + 1 < layers:
                feed(level + 1, out)
            else:
                total += len(out)
            if not out and not chunk:
                break

    try:
        for pos in range(0, len(data), _PIECE):
            feed(0, data[pos : pos + _PIECE])
            if total > budget:
                break
    except zlib.error:
        pass  # a damaged stream: the PDF library decides what to do with it, within its own limits
    return total


def _ascii_decode(body: bytes, kind: str) -> bytes:
    import base64
    import binascii

    try:
        if kind == "hex":
            digits = re.sub(rb"[^0-9A-Fa-f]", b"", body.split(b">", 1)[0])
            return binascii.unhexlify(digits + b"0" * (len(digits) % 2))
        text = re.sub(rb"\s", b"", body).split(b"~>", 1)[0].removeprefix(b"<~")
        return base64.a85decode(text)
    except ValueError:
        return b""


def check_inflation(data: bytes, name: str, limit: int = MAX_INFLATED_BYTES) -> int:
    """Total inflated size of the Flate streams of a PDF; raises IngestError past ``limit``."""
    total = 0
    for match in _STREAM.finditer(data):
        head = data[max(0, match.start() - _DICT_LOOKBACK) : match.start()]
        obj = head.rfind(b" obj")
        head = head[obj:] if obj >= 0 else head
        if not head.rstrip().endswith(b">>"):
            continue  # the word "stream" in other bytes, not a stream's start
        found = _FILTER.search(head)
        filters = _NAME.findall(found.group(1)) if found else []
        end = data.find(b"endstream", match.end())
        body = data[match.end() : end if end >= 0 else len(data)]
        while filters and filters[0] in _ASCII:  # text encodings shrink data: decoding them whole is safe
            body = _ascii_decode(body, _ASCII[filters.pop(0)])
        layers = 0
        while layers < len(filters) and filters[layers] in _FLATE:
            layers += 1
        if not layers:
            continue
        total += _inflated_size(body, min(layers, 4), limit - total)
        if total > limit:
            raise IngestError(
                name, f"PDF streams inflate to more than {limit // (1024 * 1024)} MB (a decompression bomb?)"
            )
    return total
