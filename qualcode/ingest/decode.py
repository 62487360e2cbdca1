"""Bytes to text: encoding detection, binary sniffing and size limits.

Researchers' transcripts arrive from Word "save as text", old Windows tools and
transcription services, so we accept UTF-8 (with or without BOM), UTF-16/32 with a
BOM, and fall back to Windows-1252 — with a warning, because a wrong guess there
silently changes accented characters.
"""

from __future__ import annotations

import codecs

from qualcode.errors import IngestError

__all__ = ["DEFAULT_MAX_BYTES", "check_size", "decode_text", "normalise_newlines", "sniff_binary"]

DEFAULT_MAX_BYTES = 50 * 1024 * 1024

# Magic numbers of files people mistakenly upload as transcripts; naming the real
# type makes the error actionable ("export it as .txt") instead of "bad bytes".
_MAGIC = [
    (b"%PDF", "a PDF document; export the transcript as .txt or .docx"),
    (b"PK\x03\x04", "a zip archive (e.g. .docx/.xlsx); use the matching extension"),
    (b"\xd0\xcf\x11\xe0", "an old Microsoft Office file (.doc/.xls); save it as .docx or .csv"),
    (b"{\\rtf", "an RTF document; save it as .docx or .txt"),
    (b"\x89PNG", "a PNG image"),
    (b"\xff\xd8\xff", "a JPEG image"),
    (b"GIF8", "a GIF image"),
    (b"ID3", "an MP3 audio file; transcribe it first"),
    (b"OggS", "an Ogg audio file; transcribe it first"),
    (b"RIFF", "a RIFF (WAV/AVI) media file; transcribe it first"),
]

_BOMS = [
    # UTF-32 first: its little-endian BOM starts with the UTF-16 one.
    (codecs.BOM_UTF32_LE, "utf-32-le", "UTF-32"),
    (codecs.BOM_UTF32_BE, "utf-32-be", "UTF-32"),
    (codecs.BOM_UTF8, "utf-8", "UTF-8 (with BOM)"),
    (codecs.BOM_UTF16_LE, "utf-16-le", "UTF-16"),
    (codecs.BOM_UTF16_BE, "utf-16-be", "UTF-16"),
]


def check_size(size: int, path: str, max_bytes: int) -> None:
    """Raise :class:`IngestError` if ``size`` is over ``max_bytes`` or zero."""
    if size == 0:
        raise IngestError(path, "the file is empty")
    if max_bytes and size > max_bytes:
        raise IngestError(
            path,
            f"the file is {size / 1e6:.1f} MB, over the import limit of {max_bytes / 1e6:.1f} MB",
        )


def sniff_binary(data: bytes) -> str | None:
    """Describe ``data`` if it is a known binary type, else ``None``."""
    for magic, what in _MAGIC:
        if data.startswith(magic):
            return what
    return None


def normalise_newlines(text: str) -> str:
    """CRLF and lone CR become LF, so offsets do not depend on the author's OS."""
    return text.replace("\r\n", "\n").replace("\r", "\n")


def decode_text(data: bytes, path: str) -> tuple[str, list[str]]:
    """Decode a text file's bytes; return ``(text, warnings)``.

    The text has its BOM removed and newlines normalised to ``\\n``. Raises
    :class:`IngestError` for empty, binary or undecodable input.
    """
    if not data:
        raise IngestError(path, "the file is empty")
    warnings: list[str] = []
    text: str | None = None
    for bom, codec, label in _BOMS:
        if data.startswith(bom):
            try:
                text = data[len(bom):].decode(codec)
            except UnicodeDecodeError as exc:
                raise IngestError(path, f"starts with a {label} byte-order mark but is not valid {label} "
                                        f"(byte {exc.start + len(bom)})") from None
            break
    if text is None:
        what = sniff_binary(data)
        if what or b"\x00" in data:
            raise IngestError(path, "binary content, not a text file" + (f": looks like {what}" if what else
                              " (NUL bytes found; UTF-16 files need a byte-order mark)"))
        try:
            text = data.decode("utf-8")
        except UnicodeDecodeError as exc:
            try:
                text = data.decode("cp1252")
            except UnicodeDecodeError:
                raise IngestError(path, f"cannot decode the text: not UTF-8 (invalid byte at position "
                                        f"{exc.start}) and not Windows-1252 either") from None
            warnings.append(
                "the file is not valid UTF-8; it was read as Windows-1252 (cp1252). "
                "Check accented characters and quotes, or re-save the file as UTF-8."
            )
    if "\x00" in text:
        raise IngestError(path, "binary content, not a text file (NUL characters found)")
    text = text.removeprefix("\ufeff")  # a second BOM some editors add after conversion
    text = normalise_newlines(text)
    if not text.strip():
        raise IngestError(path, "the file contains no text")
    return text, warnings
