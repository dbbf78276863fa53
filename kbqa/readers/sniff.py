"""What a file really holds, told from its bytes, and text decoded the way Chinese offices save it."""

from __future__ import annotations

import codecs
import io
import re
import zipfile

from kbqa.readers.base import DocumentError

OLE = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"  # Word 97–2003, and password-protected .docx
_OTHER_BINARY = {
    b"\x89PNG": "a PNG image", b"\xff\xd8\xff": "a JPEG image", b"GIF8": "a GIF image", b"Rar!": "a RAR archive",
    b"7z\xbc\xaf": "a 7-Zip archive", b"\x1f\x8b": "a gzip archive", b"II*\x00": "a TIFF image",
    b"MM\x00*": "a TIFF image",
}  # fmt: skip
_HTML_START = re.compile(rb"^\s*(?:<!--.*?-->\s*)*<(?:!doctype\s+html|html[\s>])", re.I | re.S)
_HTML_TAG = re.compile(rb"<(?:html|head|body|meta|title)[\s>/]", re.I)
_UTF16_BOMS = (codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)

# (what it is, the extension it wants) for content that belongs to another reader
KINDS = {"pdf": ("a PDF", ".pdf"), "docx": ("a Word document", ".docx"), "html": ("an HTML page", ".html"),
         "text": ("text", ".txt")}  # fmt: skip
NOT = {"pdf": "a PDF", "docx": "a Word document", "html": "an HTML page", "txt": "text", "md": "Markdown text"}


def sniff(data: bytes) -> str:
    """pdf, docx, zip, bad-zip, doc, encrypted-office, ole, html, text, or binary."""
    head = data[:4096]
    if b"%PDF-" in head[:1024]:
        return "pdf"
    if head.startswith((b"PK\x03\x04", b"PK\x05\x06")):
        return _zip_kind(data)
    if head.startswith(OLE):
        if "EncryptionInfo".encode("utf-16-le") in data[: 1 << 20]:
            return "encrypted-office"
        return "doc" if "WordDocument".encode("utf-16-le") in data else "ole"
    if head.startswith(b"{\\rtf"):
        return "rtf"
    if any(head.startswith(magic) for magic in _OTHER_BINARY) or looks_binary(head):
        return "binary"
    body = head[3:] if head.startswith(codecs.BOM_UTF8) else head
    if _HTML_START.match(body):
        return "html"
    return "text"


def _zip_kind(data: bytes) -> str:
    try:
        names = set(zipfile.ZipFile(io.BytesIO(data)).namelist())
    except (zipfile.BadZipFile, ValueError, OSError, EOFError):
        return "bad-zip"
    return "docx" if "word/document.xml" in names else "zip"


def looks_binary(head: bytes) -> bool:
    """NUL bytes or many control characters: not text in any encoding kbqa reads."""
    if head.startswith(_UTF16_BOMS):
        return False
    controls = sum(1 for b in head if b < 32 and b not in (9, 10, 12, 13, 27))
    return b"\x00" in head or controls > len(head) // 100


def has_html_markup(data: bytes) -> bool:
    return bool(_HTML_TAG.search(data[:4096]))


def mismatch(fmt: str, kind: str, data: bytes) -> str | None:
    """Why content of `kind` cannot be read as `fmt` (the extension's format), or None when it can."""
    if kind == "doc":
        return "a Word 97–2003 .doc file; save it as .docx"
    if kind == "rtf":
        return "an RTF file; save it as .docx"
    if kind == "encrypted-office":
        return "needs a password; kbqa reads Word files that open without one"
    wanted = {"pdf": {"pdf"}, "docx": {"docx", "zip", "bad-zip"}, "html": {"html", "text"}}.get(fmt, {"text"})
    if kind in wanted:
        return None
    if kind in KINDS:
        what, ext = KINDS[kind]
        return f"the content is {what}, not {NOT[fmt]}; give it the {ext} extension"
    described = next((d for magic, d in _OTHER_BINARY.items() if data.startswith(magic)), "")
    if fmt == "pdf":
        return f"not a readable PDF file ({described or 'no %PDF- header'})"
    if fmt == "docx":
        return f"not a readable Word file ({described or 'not a ZIP archive'})"
    return f"binary data ({described}), not text" if described else "binary data, not text"


def decode_text(data: bytes) -> tuple[str, str]:
    """(text, encoding): UTF-8 (BOM or not), then GB18030, as Chinese offices still save GBK text."""
    if data.startswith(_UTF16_BOMS):
        try:
            return data.decode("utf-16"), "utf-16"
        except UnicodeDecodeError as exc:
            raise DocumentError(f"not valid UTF-16 text (byte {exc.start + 2})") from None
    try:
        return data.decode("utf-8-sig"), "utf-8"
    except UnicodeDecodeError as exc:
        bom = 3 if data.startswith(codecs.BOM_UTF8) else 0
        utf8_at, utf8_prefix = exc.start + bom, data[bom : exc.start + bom]
    try:
        return data.decode("gb18030"), "gb18030"
    except UnicodeDecodeError as exc:
        gb_at = exc.start
    # Report where the file stops being the encoding it was written in.
    claims_utf8 = data.startswith(codecs.BOM_UTF8) or any(b >= 0x80 for b in utf8_prefix)
    at = utf8_at if claims_utf8 else gb_at
    raise DocumentError(f"not UTF-8 or GB18030 text (byte {at})")
