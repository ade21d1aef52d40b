"""Stand-ins for an enterprise's scanned documents: small, valid one-page PDFs whose bytes
differ by their title, so each has its own SHA-256."""

from __future__ import annotations

import os
from collections.abc import Iterator

# Noise is made and handed on in pieces this large.
_PIECE_BYTES = 1024 * 1024


def stand_in_pdf(title: str) -> bytes:
    """A one-page PDF 1.4 file with the title in its metadata; readers open it, and the
    upload check reads it as application/pdf."""
    # A PDF text string in UTF-16BE with its byte order mark: any script, no escaping.
    hex_title = (b"\xfe\xff" + title.encode("utf-16-be")).hex().upper()
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] >>",
        f"<< /Title <{hex_title}> >>".encode(),
    ]
    body = bytearray(b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n")
    offsets = []
    for number, content in enumerate(objects, start=1):
        offsets.append(len(body))
        body += f"{number} 0 obj\n".encode() + content + b"\nendobj\n"
    xref = len(body)
    body += f"xref\n0 {len(objects) + 1}\n0000000000 65535 f \n".encode()
    body += b"".join(f"{offset:010d} 00000 n \n".encode() for offset in offsets)
    body += (
        f"trailer\n<< /Size {len(objects) + 1} /Root 1 0 R /Info 4 0 R >>\n"
        f"startxref\n{xref}\n%%EOF\n"
    ).encode()
    return bytes(body)


def scanned_pdf_pieces(title: str, size: int) -> Iterator[bytes]:
    """A PDF of about the size a scanned dossier has, in pieces: the stand-in, then noise up
    to `size` bytes (a large scan, for uploads that must stream)."""
    head = stand_in_pdf(title)
    yield head
    left = size - len(head)
    while left > 0:
        piece = os.urandom(min(left, _PIECE_BYTES))
        left -= len(piece)
        yield piece
