"""Generators of hostile input files, built at test time (nothing big lives in git).

Each function writes one file into a folder and returns its path. The files are small
on disk (a few KB to about 1 MB) but claim or expand to far more than qualcode accepts:
YAML alias bombs, zip bombs whose deflate stream is repeated blocks of zeros, XML and
JSON nested thousands deep, numbers with thousands of digits, lone surrogates, zip
entries flagged as encrypted or with a compression method Python cannot read.
"""

from __future__ import annotations

import io
import json
import struct
import zipfile
import zlib
from pathlib import Path

MB = 1 << 20


# ----------------------------------------------------------------------- YAML
def yaml_billion_laughs(folder: Path) -> Path:
    """About 1 KB of YAML whose aliases expand to 9**9 strings ("billion laughs")."""
    lines = ['a0: &a0 ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]']
    for i in range(1, 10):
        prev = f"*a{i - 1}"
        lines.append(f"a{i}: &a{i} [{', '.join([prev] * 9)}]")
    lines.append("name: bomb")
    lines.append("themes: [{name: t, codes: *a9}]")
    path = folder / "laughs.yaml"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def yaml_deep(folder: Path, depth: int = 20_000) -> Path:
    """A codebook whose themes list is nested ``depth`` flow sequences deep."""
    path = folder / f"deep{depth}.yaml"
    path.write_text("name: deep\nthemes: " + "[" * depth + "]" * depth + "\n", encoding="utf-8")
    return path


# ------------------------------------------------------------------------ XML
def _qdc_nested(depth: int) -> bytes:
    opening = "".join(
        f'<Code guid="{i:08d}-0000-4000-8000-000000000000" name="c{i}" isCodable="true">' for i in range(depth))
    return opening.encode() + b"</Code>" * depth


def qdc_deep(folder: Path, depth: int = 1_500) -> Path:
    """A REFI-QDA codebook with codes nested ``depth`` levels deep."""
    path = folder / "deep.qdc"
    path.write_bytes(b'<?xml version="1.0" encoding="utf-8"?>\n'
                     b'<CodeBook xmlns="urn:QDA-XML:codebook:1.0" origin="x"><Codes>'
                     + _qdc_nested(depth) + b"</Codes></CodeBook>")
    return path


def _qde(codes: bytes = b"", sources: bytes = b"") -> bytes:
    return (b'<?xml version="1.0" encoding="utf-8"?>\n<Project xmlns="urn:QDA-XML:project:1.0" name="p" origin="x">'
            b"<CodeBook><Codes>" + codes + b"</Codes></CodeBook><Sources>" + sources + b"</Sources></Project>")


def qdpx_deep(folder: Path, depth: int = 1_500) -> Path:
    """A ``.qdpx`` whose codebook is nested ``depth`` levels deep."""
    path = folder / "deep.qdpx"
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as zf:
        zf.writestr("project.qde", _qde(_qdc_nested(depth)))
    return path


# ------------------------------------------------------------------------ zip
def _zeros_deflate(total: int, block: int = MB) -> tuple[bytes, int]:
    """A raw deflate stream of ``total`` zero bytes and its CRC-32, built from one
    compressed block repeated: after a full flush the compressor forgets its history,
    so every block of zeros compresses to the same bytes."""
    comp = zlib.compressobj(9, zlib.DEFLATED, -15)
    one = comp.compress(b"\0" * block) + comp.flush(zlib.Z_FULL_FLUSH)
    n = total // block
    end = zlib.compressobj(9, zlib.DEFLATED, -15)
    stream = one * n + end.compress(b"") + end.flush()
    crc, zeros = 0, b"\0" * block
    for _ in range(n):
        crc = zlib.crc32(zeros, crc)
    return stream, crc


def _raw_zip(entries: list[tuple[str, bytes, int, int, int, int]]) -> bytes:
    """A zip from ``(name, data, method, crc, uncompressed size, flags)`` written by hand,
    so sizes, methods and flags can be whatever a hostile file claims."""
    out, central = io.BytesIO(), io.BytesIO()
    for name, data, method, crc, size, flags in entries:
        offset = out.tell()
        raw = name.encode()
        out.write(struct.pack("<4sHHHHHIIIHH", b"PK\x03\x04", 20, flags, method, 0, 0x21,
                              crc, len(data), size, len(raw), 0) + raw + data)
        central.write(struct.pack("<4sHHHHHHIIIHHHHHII", b"PK\x01\x02", 20, 20, flags, method, 0, 0x21,
                                  crc, len(data), size, len(raw), 0, 0, 0, 0, 0, offset) + raw)
    cd = central.getvalue()
    start = out.tell()
    out.write(cd)
    out.write(struct.pack("<4sHHHHIIH", b"PK\x05\x06", 0, 0, len(entries), len(entries), len(cd), start, 0))
    return out.getvalue()


def _stored(name: str, data: bytes) -> tuple[str, bytes, int, int, int, int]:
    return (name, data, 0, zlib.crc32(data), len(data), 0)


_CONTENT_TYPES = (b'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
                  b'<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
                  b'<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
                  b'<Default Extension="xml" ContentType="application/xml"/>'
                  b'<Override PartName="/word/document.xml" ContentType="application/vnd.openxmlformats-'
                  b'officedocument.wordprocessingml.document.main+xml"/></Types>')
_RELS = (b'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
         b'<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
         b'<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/'
         b'officeDocument" Target="word/document.xml"/></Relationships>')


def docx_zip_bomb(folder: Path, size: int = 3 * 1024 * MB, *, lie: bool = False) -> Path:
    """A ``.docx`` whose ``word/document.xml`` inflates to ``size`` bytes (zeros).

    ``lie`` declares a tiny uncompressed size in the headers, so only a reader that
    counts what it inflates (not what the archive claims) stops in time.
    """
    stream, crc = _zeros_deflate(size)
    declared = 1000 if lie else size
    path = folder / ("liar.docx" if lie else "bomb.docx")
    path.write_bytes(_raw_zip([_stored("[Content_Types].xml", _CONTENT_TYPES), _stored("_rels/.rels", _RELS),
                               ("word/document.xml", stream, 8, crc, declared, 0)]))
    return path


def qdpx_source_bomb(folder: Path, size: int = 3 * 1024 * MB) -> Path:
    """A ``.qdpx`` whose one text source inflates to ``size`` bytes."""
    stream, crc = _zeros_deflate(size)
    source = (b'<TextSource guid="00000000-0000-4000-8000-000000000001" name="s" '
              b'plainTextPath="internal://s.txt"/>')
    path = folder / "bomb.qdpx"
    path.write_bytes(_raw_zip([_stored("project.qde", _qde(sources=source)),
                               ("Sources/s.txt", stream, 8, crc, size, 0)]))
    return path


def qdpx_many_entries(folder: Path, n: int = 60_000) -> Path:
    """A ``.qdpx`` with ``n`` tiny entries (a central directory bomb)."""
    path = folder / "many.qdpx"
    entries = [_stored("project.qde", _qde())] + [_stored(f"Sources/{i}.txt", b"") for i in range(n)]
    path.write_bytes(_raw_zip(entries))
    return path


def qdpx_encrypted(folder: Path) -> Path:
    """A ``.qdpx`` whose ``project.qde`` is flagged as encrypted (traditional PKWARE)."""
    data = _qde()
    path = folder / "encrypted.qdpx"
    path.write_bytes(_raw_zip([("project.qde", data, 0, zlib.crc32(data), len(data), 1)]))
    return path


def qdpx_unsupported_method(folder: Path, method: int = 98) -> Path:
    """A ``.qdpx`` whose ``project.qde`` uses compression method 98 (PPMd)."""
    data = _qde()
    path = folder / "ppmd.qdpx"
    path.write_bytes(_raw_zip([("project.qde", data, method, zlib.crc32(data), len(data), 0)]))
    return path


def docx_encrypted(folder: Path) -> Path:
    """A ``.docx`` whose parts are flagged as encrypted."""
    path = folder / "encrypted.docx"
    path.write_bytes(_raw_zip([(n, d, 0, zlib.crc32(d), len(d), 1)
                               for n, d in [("[Content_Types].xml", _CONTENT_TYPES), ("_rels/.rels", _RELS)]]))
    return path


# ----------------------------------------------------------------------- JSON
def chat_json(folder: Path, name: str, *, content: str = "hello there", timestamp: object = 1_700_000_000) -> Path:
    """A two-message chat export; ``content`` and ``timestamp`` are written verbatim
    into the JSON (so a 5,000-digit number or a ``\\ud800`` escape can be passed)."""
    ts = timestamp if isinstance(timestamp, str) else json.dumps(timestamp)
    msg = '{"role": "%s", "content": %s, "timestamp": %s}'
    body = "[" + msg % ("user", content if content.startswith('"') else json.dumps(content), ts) + ", " + \
        msg % ("assistant", json.dumps("fine, thanks"), "1700000005") + "]"
    path = folder / name
    path.write_text(body, encoding="utf-8")
    return path


def reddit_json(folder: Path, name: str, *, created: str = "1700000000", body: str = '"a reply"') -> Path:
    """A Reddit thread (post + one comment); ``created`` and ``body`` are raw JSON."""
    post = '{"kind": "t3", "data": {"title": "t", "selftext": "post text", "author": "op", "created_utc": %s}}'
    comment = '{"kind": "t1", "data": {"body": %s, "author": "u1", "created_utc": %s, "replies": ""}}'
    text = '[{"kind": "Listing", "data": {"children": [%s]}}, {"kind": "Listing", "data": {"children": [%s]}}]' % (
        post % created, comment % (body, created))
    path = folder / name
    path.write_text(text, encoding="utf-8")
    return path


def huge_int_digits(n: int = 5_000) -> str:
    return "9" * n


def reddit_deep(folder: Path, depth: int = 30_000) -> Path:
    """A Reddit thread whose comment replies nest ``depth`` levels deep."""
    inner = '""'
    head = '{"kind": "Listing", "data": {"children": [{"kind": "t1", "data": {"body": "x", "author": "u", "replies": '
    tail = "}}]}}"
    text = ('[{"kind": "Listing", "data": {"children": [{"kind": "t3", "data": {"title": "t", "selftext": "p", '
            '"author": "op"}}]}}, ' + head * depth + inner + tail * depth + "]")
    path = folder / "deep_reddit.json"
    path.write_text(text, encoding="utf-8")
    return path


def many_turns_txt(folder: Path, turns: int = 2_000_000) -> Path:
    """A valid transcript of ``turns`` short labelled turns (about 8 bytes each)."""
    path = folder / "many_turns.txt"
    with path.open("w", encoding="utf-8") as fh:
        for i in range(turns):
            fh.write("A: hi\n" if i % 2 == 0 else "B: yo\n")
    return path
