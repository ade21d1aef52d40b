"""Receiving an upload: the bytes spooled to a local file while they are counted and hashed,
then checked against what the uploader declared, before anything is kept.

A file is refused, with the field that is wrong, when it is empty, larger than the limit or than
declared, when its SHA-256 differs from the declared one, or when its bytes are not of an allowed
type or not of the type its name says. A refused file leaves nothing behind.
"""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
import os
import tempfile
from collections.abc import AsyncIterator
from dataclasses import dataclass
from pathlib import Path, PurePath

import filetype

from ecopermit.applicants.v1 import applicant_service_pb2 as api
from ecopermit.domain.errors import FieldViolation, InvalidArgumentError

# What a KEP dossier is made of: documents, drawings, tables and scans. The type is read from
# the bytes (their signature), and must be the one the file name's extension stands for.
ALLOWED_TYPES: dict[str, str] = {
    ".pdf": "application/pdf",
    ".docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    ".xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    ".odt": "application/vnd.oasis.opendocument.text",
    ".ods": "application/vnd.oasis.opendocument.spreadsheet",
    ".zip": "application/zip",
    ".png": "image/png",
    ".jpg": "image/jpeg",
    ".jpeg": "image/jpeg",
    ".tif": "image/tiff",
    ".tiff": "image/tiff",
}
# filetype reads a type from this many leading bytes.
_SIGNATURE_BYTES = 8192


@dataclass(frozen=True)
class ReceivedFile:
    """A spooled file whose bytes matched their declaration; the caller keeps or deletes it."""

    path: Path
    sha256: str
    size_bytes: int
    media_type: str


def _refused(field: str, description: str, reason: str) -> InvalidArgumentError:
    return InvalidArgumentError([FieldViolation(field, description, reason)])


def check_declaration(declaration: api.DocumentUpload, max_bytes: int) -> str:
    """The media type the file name promises; refuses a name or size no upload can satisfy,
    before a byte is read."""
    suffix = PurePath(declaration.file_name).suffix.lower()
    if suffix not in ALLOWED_TYPES:
        allowed = ", ".join(sorted(ALLOWED_TYPES))
        raise _refused(
            "declaration.file_name", f"only {allowed} files are accepted", "document.type"
        )
    if declaration.size_bytes > max_bytes:
        raise _refused(
            "declaration.size_bytes",
            f"a document may be at most {max_bytes} bytes",
            "document.size_limit",
        )
    return ALLOWED_TYPES[suffix]


async def receive(
    declaration: api.DocumentUpload,
    chunks: AsyncIterator[bytes],
    spool_dir: Path,
    max_bytes: int,
) -> ReceivedFile:
    """Spools the chunks and checks them against the declaration."""
    expected_type = check_declaration(declaration, max_bytes)
    fd, name = await asyncio.to_thread(_spool_file, spool_dir)
    path = Path(name)
    try:
        digest = hashlib.sha256()
        size = 0
        head = b""
        with os.fdopen(fd, "wb") as spool:
            async for chunk in chunks:
                size += len(chunk)
                if size > declaration.size_bytes:
                    raise _refused(
                        "declaration.size_bytes",
                        f"more bytes arrived than the {declaration.size_bytes} declared",
                        "document.size_mismatch",
                    )
                digest.update(chunk)
                if len(head) < _SIGNATURE_BYTES:
                    head += chunk[: _SIGNATURE_BYTES - len(head)]
                await asyncio.to_thread(spool.write, chunk)
            await asyncio.to_thread(spool.flush)
        if size == 0:
            raise _refused("chunk", "the file is empty", "document.empty")
        if size != declaration.size_bytes:
            raise _refused(
                "declaration.size_bytes",
                f"{size} bytes arrived, {declaration.size_bytes} were declared",
                "document.size_mismatch",
            )
        if digest.hexdigest() != declaration.sha256:
            raise _refused(
                "declaration.sha256",
                "the bytes that arrived have another SHA-256 than the one declared",
                "document.sha256_mismatch",
            )
        found = filetype.guess_mime(head)
        if found != expected_type:
            raise _refused(
                "declaration.file_name",
                f"the file's bytes are {found or 'of no recognised type'}, not the "
                f"{expected_type} its name says",
                "document.type",
            )
        return ReceivedFile(path, declaration.sha256, size, expected_type)
    except BaseException:
        # Cancelled or refused: nothing of the upload stays behind.
        with contextlib.suppress(FileNotFoundError):
            os.unlink(name)
        raise


def _spool_file(spool_dir: Path) -> tuple[int, str]:
    spool_dir.mkdir(parents=True, exist_ok=True)
    return tempfile.mkstemp(dir=spool_dir, prefix="upload-")
