"""Limits on what qualcode reads from an untrusted file, checked before reading.

Transcripts, codebooks and REFI-QDA projects come from other people's machines. A small
file can expand without bound (a zip bomb, YAML aliases), nest deeper than Python's stack,
or hold values no parser expects (5,000-digit numbers, lone surrogates). Every reader
goes through these helpers, on the command line and in the app's upload pages alike, so
one set of numbers bounds time and memory; docs/import-formats.md lists them.

Each helper takes ``fail``, a function that turns a problem ("nested more than 100
levels deep") into the caller's own error type naming the file (IngestError,
CodebookError, ExchangeError), so messages stay one line and name the file.
"""

from __future__ import annotations

import io
import json
import os
import re
import stat
import zipfile
from pathlib import Path
from typing import Any, Callable, NoReturn

__all__ = [
    "MAX_FILE_BYTES",
    "MAX_ZIP_ENTRIES",
    "MAX_ZIP_TOTAL_BYTES",
    "MAX_ZIP_ENTRY_BYTES",
    "MAX_ZIP_RATIO",
    "MAX_DEPTH",
    "MAX_XML_ELEMENTS",
    "MAX_YAML_ALIASES",
    "MAX_NUMBER_DIGITS",
    "MAX_TURNS",
    "MAX_LINES",
    "MAX_TURN_META_KEYS",
    "MAX_TURN_META_KEY_CHARS",
    "MAX_TURN_META_VALUE_CHARS",
    "Fail",
    "check_regular_file",
    "read_file_bytes",
    "SafeZip",
    "load_json",
    "load_yaml",
    "parse_xml",
    "check_text",
]

Fail = Callable[[str], Exception]

MB = 1024 * 1024
#: Largest file read at all (transcript, table, codebook, .qdpx archive on disk).
MAX_FILE_BYTES = 50 * MB
#: Zip archives (.docx, .qdpx): entries, total and per-entry inflated size, and the
#: inflated/compressed ratio of an entry (text compresses about 3-10x; 100x is a bomb).
MAX_ZIP_ENTRIES = 10_000
MAX_ZIP_TOTAL_BYTES = 256 * MB
MAX_ZIP_ENTRY_BYTES = 128 * MB
MAX_ZIP_RATIO = 100
_RATIO_FLOOR = 1 * MB  # tiny entries (mostly headers) may compress better than that
#: Nesting of JSON, XML and YAML structures (a codebook is 2-4 levels deep, a Reddit
#: thread rarely past 50; Python's stack ends near 1,000).
MAX_DEPTH = 200
#: Elements in one XML document (a large .qdpx project has some 100,000).
MAX_XML_ELEMENTS = 5_000_000
#: YAML aliases (``*name``): a codebook needs none; refusing aliases to lists and
#: mappings is what stops "billion laughs".
MAX_YAML_ALIASES = 1_000
#: Digits of a number in JSON (epoch milliseconds have 13).
MAX_NUMBER_DIGITS = 40
#: Turns in one document; past this the file is almost certainly not one interview.
MAX_TURNS = 500_000
#: Lines of a line-based text file (.txt, .md, .vtt, .srt, .csv), checked before parsing
#: so a 2-million-line file is refused in a second instead of after minutes.
MAX_LINES = 1_000_000
# Turn metadata (Segment.meta): a few fields per turn, each a short scalar. A source
# that puts a novel in a "model" field is refused rather than stored turn after turn.
MAX_TURN_META_KEYS = 32
MAX_TURN_META_KEY_CHARS = 64
MAX_TURN_META_VALUE_CHARS = 500

_SURROGATE = re.compile("[\ud800-\udfff]")
_SUPPORTED_METHODS = {zipfile.ZIP_STORED: "stored", zipfile.ZIP_DEFLATED: "deflate",
                      zipfile.ZIP_BZIP2: "bzip2", zipfile.ZIP_LZMA: "lzma"}


def _raise(fail: Fail, problem: str) -> NoReturn:
    raise fail(problem)


# ------------------------------------------------------------------- files
def check_regular_file(path: str | os.PathLike[str], fail: Fail, *, max_bytes: int = MAX_FILE_BYTES) -> os.stat_result:
    """Refuse anything but a regular file of at most ``max_bytes``: symlinks (an upload
    folder could point at /etc/passwd), FIFOs (reading one blocks forever), devices."""
    try:
        st = os.lstat(path)
    except FileNotFoundError:
        _raise(fail, "no such file")
    except OSError as exc:
        _raise(fail, f"cannot read the file: {exc.strerror or exc}")
    if stat.S_ISLNK(st.st_mode):
        _raise(fail, "is a symbolic link; import the file it points to directly")
    if stat.S_ISDIR(st.st_mode):
        _raise(fail, "not a file (a folder?)")
    if not stat.S_ISREG(st.st_mode):
        _raise(fail, "not a regular file (a pipe, socket or device)")
    if max_bytes and st.st_size > max_bytes:
        _raise(fail, f"the file is {st.st_size / 1e6:.1f} MB, over the import limit of {max_bytes / 1e6:.1f} MB")
    return st


def read_file_bytes(path: str | os.PathLike[str], fail: Fail, *, max_bytes: int = MAX_FILE_BYTES) -> bytes:
    """The bytes of a regular file, refusing links and over-large files.

    Opened with ``O_NOFOLLOW`` and checked again on the open descriptor, so a file
    swapped for a link between the check and the read is refused too.
    """
    check_regular_file(path, fail, max_bytes=max_bytes)
    flags = os.O_RDONLY | getattr(os, "O_NOFOLLOW", 0) | getattr(os, "O_NONBLOCK", 0)
    try:
        fd = os.open(path, flags)
    except OSError as exc:
        _raise(fail, f"cannot read the file: {exc.strerror or exc}")
    with os.fdopen(fd, "rb") as fh:
        if not stat.S_ISREG(os.fstat(fd).st_mode):
            _raise(fail, "not a regular file")
        data = fh.read(max_bytes + 1 if max_bytes else -1)
    if max_bytes and len(data) > max_bytes:
        _raise(fail, f"the file is over the import limit of {max_bytes / 1e6:.1f} MB")
    return data


# --------------------------------------------------------------------- zip
class SafeZip:
    """A zip archive (.docx, .qdpx) checked before anything is inflated.

    Opening refuses too many entries, encrypted entries, compression methods Python
    cannot read, declared sizes over the limits and suspicious ratios. :meth:`read`
    inflates in chunks and stops at the limits whatever the headers claim, so an
    archive that lies about its sizes is caught too.
    """

    def __init__(self, source: bytes | str | os.PathLike[str], fail: Fail):
        self.fail = fail
        self._total = 0
        try:
            self.zf = zipfile.ZipFile(io.BytesIO(source) if isinstance(source, (bytes, bytearray)) else source)
        except (zipfile.BadZipFile, zipfile.LargeZipFile, ValueError, EOFError) as exc:
            _raise(fail, f"damaged zip archive ({exc})")
        except OSError as exc:
            _raise(fail, f"cannot read the archive: {exc.strerror or exc}")
        infos = self.zf.infolist()
        if len(infos) > MAX_ZIP_ENTRIES:
            self.close()
            _raise(fail, f"the archive has {len(infos):,} entries, over the limit of {MAX_ZIP_ENTRIES:,}")
        declared = 0
        for info in infos:
            self._check_info(info)
            declared += info.file_size
        if declared > MAX_ZIP_TOTAL_BYTES:
            self.close()
            _raise(fail, f"the archive would inflate to {declared / 1e6:,.0f} MB, over the limit of "
                         f"{MAX_ZIP_TOTAL_BYTES / 1e6:,.0f} MB")

    def _check_info(self, info: zipfile.ZipInfo) -> None:
        what = f"entry {info.filename[:80]!r}"
        if info.flag_bits & 0x1:
            self.close()
            _raise(self.fail, f"{what} is encrypted; save the file again without a password")
        if info.compress_type not in _SUPPORTED_METHODS:
            self.close()
            _raise(self.fail, f"{what} uses compression method {info.compress_type}, which qualcode cannot read; "
                              "save the file again with ordinary (deflate) compression")
        if info.file_size > MAX_ZIP_ENTRY_BYTES:
            self.close()
            _raise(self.fail, f"{what} would inflate to {info.file_size / 1e6:,.0f} MB, over the limit of "
                              f"{MAX_ZIP_ENTRY_BYTES / 1e6:,.0f} MB")
        if info.file_size > _RATIO_FLOOR and info.file_size > MAX_ZIP_RATIO * max(info.compress_size, 1):
            self.close()
            _raise(self.fail, f"{what} inflates {info.file_size // max(info.compress_size, 1):,} times "
                              "(a zip bomb?); refused")

    def namelist(self) -> list[str]:
        return self.zf.namelist()

    def read(self, name: str | zipfile.ZipInfo) -> bytes:
        """Inflate one entry, stopping as soon as it passes the per-entry, total or
        ratio limit (counted on the bytes actually inflated)."""
        info = name if isinstance(name, zipfile.ZipInfo) else self.zf.getinfo(name)
        cap = MAX_ZIP_ENTRY_BYTES
        if info.compress_size * MAX_ZIP_RATIO > _RATIO_FLOOR:
            cap = min(cap, info.compress_size * MAX_ZIP_RATIO)
        else:
            cap = min(cap, _RATIO_FLOOR)
        out = io.BytesIO()
        try:
            with self.zf.open(info) as fh:
                while chunk := fh.read(1 << 16):
                    out.write(chunk)
                    self._total += len(chunk)
                    if out.tell() > cap:
                        _raise(self.fail, f"entry {info.filename[:80]!r} inflates past "
                                          f"{cap / 1e6:,.0f} MB (a zip bomb?); refused")
                    if self._total > MAX_ZIP_TOTAL_BYTES:
                        _raise(self.fail, f"the archive inflates past {MAX_ZIP_TOTAL_BYTES / 1e6:,.0f} MB; refused")
        except (zipfile.BadZipFile, zipfile.LargeZipFile, EOFError, ValueError, OSError) as exc:
            _raise(self.fail, f"damaged entry {info.filename[:80]!r} ({exc})")
        except (RuntimeError, NotImplementedError) as exc:  # encryption or method, if headers disagree
            _raise(self.fail, f"entry {info.filename[:80]!r} cannot be read ({exc})")
        except __import__("zlib").error as exc:
            _raise(self.fail, f"damaged entry {info.filename[:80]!r} ({exc})")
        return out.getvalue()

    def check_all(self) -> None:
        """Inflate every entry once (discarding it) to prove the whole archive is
        within the limits; for third-party readers (python-docx) that inflate freely."""
        for info in self.zf.infolist():
            if not info.is_dir():
                self.read(info)
        self._total = 0

    def close(self) -> None:
        self.zf.close()

    def __enter__(self) -> "SafeZip":
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


# -------------------------------------------------------------------- JSON
def _parse_int(fail: Fail) -> Callable[[str], int]:
    def parse(s: str) -> int:
        if len(s.lstrip("-")) > MAX_NUMBER_DIGITS:
            _raise(fail, f"a number with {len(s.lstrip('-')):,} digits (over {MAX_NUMBER_DIGITS}); refused")
        return int(s)
    return parse


def _parse_float(fail: Fail) -> Callable[[str], float]:
    def parse(s: str) -> float:
        if len(s) > MAX_NUMBER_DIGITS + 10:
            _raise(fail, f"a number {len(s):,} characters long; refused")
        return float(s)
    return parse


def _no_constant(fail: Fail) -> Callable[[str], Any]:
    def parse(s: str) -> Any:
        _raise(fail, f"{s} is not valid JSON")
    return parse


def check_structure(obj: Any, fail: Fail, *, max_depth: int = MAX_DEPTH) -> None:
    """Walk parsed data without recursion: refuse nesting past ``max_depth`` and
    strings holding lone surrogates (valid JSON escapes that no file or database can
    store)."""
    stack: list[tuple[Any, int]] = [(obj, 1)]
    while stack:
        item, depth = stack.pop()
        if isinstance(item, str):
            check_text(item, fail)
        elif isinstance(item, (list, dict)):
            if depth > max_depth:
                _raise(fail, f"nested more than {max_depth} levels deep; refused")
            values = item.values() if isinstance(item, dict) else item
            if isinstance(item, dict):
                stack.extend((k, depth) for k in item)
            stack.extend((v, depth + 1) for v in values)


def load_json(text: str, fail: Fail, *, max_depth: int = MAX_DEPTH) -> Any:
    """Parse JSON text with bounded numbers and nesting, and no lone surrogates."""
    try:
        obj = json.loads(text, parse_int=_parse_int(fail), parse_float=_parse_float(fail),
                         parse_constant=_no_constant(fail))
    except json.JSONDecodeError as exc:
        _raise(fail, f"malformed JSON at line {exc.lineno}, column {exc.colno}: {exc.msg}")
    except RecursionError:
        _raise(fail, f"JSON nested more than {max_depth} levels deep; refused")
    check_structure(obj, fail, max_depth=max_depth)
    return obj


def check_text(text: str, fail: Fail) -> None:
    """Refuse lone surrogates (``\\ud800``): they cannot be written as UTF-8."""
    m = _SURROGATE.search(text)
    if m:
        _raise(fail, f"contains an invalid character (lone surrogate U+{ord(m.group()):04X}); refused")


# -------------------------------------------------------------------- YAML
def load_yaml(text: str, fail: Fail, *, max_depth: int = MAX_DEPTH) -> tuple[Any, Any]:
    """Parse YAML text safely; returns ``(node, data)`` (the node tree gives line numbers).

    Aliases to lists or mappings are refused (each would multiply what follows: the
    "billion laughs" bomb), aliases to plain values are counted, and nesting is bounded
    while the document is composed, before Python's stack can overflow.
    """
    import yaml

    class Loader(yaml.SafeLoader):
        depth = 0
        aliases = 0

        def compose_node(self, parent, index):  # noqa: ANN001 - PyYAML's signature
            if self.check_event(yaml.AliasEvent):
                Loader.aliases += 1
                event = self.peek_event()
                target = self.anchors.get(event.anchor)
                if isinstance(target, (yaml.SequenceNode, yaml.MappingNode)):
                    line = event.start_mark.line + 1
                    _raise(fail, f"line {line}: YAML alias *{event.anchor} repeats a list or mapping; "
                                 "aliases are not allowed in a codebook")
                if Loader.aliases > MAX_YAML_ALIASES:
                    _raise(fail, f"more than {MAX_YAML_ALIASES} YAML aliases; refused")
            Loader.depth += 1
            try:
                if Loader.depth > max_depth:
                    line = self.peek_event().start_mark.line + 1
                    _raise(fail, f"line {line}: nested more than {max_depth} levels deep; refused")
                return super().compose_node(parent, index)
            finally:
                Loader.depth -= 1

    loader = Loader(text)
    try:
        node = loader.get_single_node()
        data = loader.construct_document(node) if node is not None else None
    except RecursionError:
        _raise(fail, f"nested more than {max_depth} levels deep; refused")
    finally:
        loader.dispose()
    return node, data


# --------------------------------------------------------------------- XML
def parse_xml(data: bytes, fail: Fail, *, max_depth: int = MAX_DEPTH, max_elements: int = MAX_XML_ELEMENTS):
    """Parse untrusted XML: no entities, DTDs or network; nesting and element count
    bounded while parsing (before any recursive reader sees the tree)."""
    from lxml import etree

    depth = count = 0
    try:
        events = etree.iterparse(io.BytesIO(data), events=("start", "end"), resolve_entities=False,
                                 no_network=True, load_dtd=False, huge_tree=True, remove_comments=True)
        root = None
        for event, el in events:
            if event == "start":
                depth += 1
                count += 1
                if depth > max_depth:
                    _raise(fail, f"XML nested more than {max_depth} levels deep (line {el.sourceline}); refused")
                if count > max_elements:
                    _raise(fail, f"more than {max_elements:,} XML elements; refused")
            else:
                depth -= 1
                root = el
        if root is None:
            _raise(fail, "not well-formed XML (no root element)")
        return root
    except etree.XMLSyntaxError as exc:
        _raise(fail, f"not well-formed XML ({exc})")


def _fail_path(path: str | os.PathLike[str]) -> Fail:
    """A ``fail`` for code without its own error type (an IngestError naming ``path``)."""
    from .errors import IngestError

    return lambda problem: IngestError(Path(path), problem)
