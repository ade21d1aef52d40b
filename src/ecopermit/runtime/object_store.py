"""Where document bytes live: files under the data directory in the embedded default, an
S3-compatible bucket in production. Either way an object is named by its SHA-256 and written
once: a second write of the same name keeps the first, which holds the same bytes.

The caller has already checked the bytes against their name (ecopermit.services.applicants.
uploads); S3 checks them once more on arrival, from the checksum sent with them.
"""

from __future__ import annotations

import asyncio
import base64
import contextlib
import os
import shutil
from collections.abc import AsyncIterator
from pathlib import Path
from typing import TYPE_CHECKING, Any, Protocol

import boto3
from botocore.config import Config
from botocore.exceptions import ClientError

from ecopermit.runtime.settings import DocumentStoreKind, Settings

if TYPE_CHECKING:
    from types_boto3_s3 import S3Client

# Read in pieces this large: a download never holds a whole document in memory.
READ_CHUNK_BYTES = 256 * 1024


class ObjectNotFoundError(LookupError):
    """No object has this name: its bytes were never kept (e.g. a submission from before
    documents were stored)."""


class ObjectStore(Protocol):
    async def contains(self, sha256: str) -> bool: ...

    async def put(self, sha256: str, source: Path) -> None:
        """Keeps the file's bytes under their SHA-256, unless an object of that name exists."""

    def read(self, sha256: str, offset: int, limit: int) -> AsyncIterator[bytes]:
        """The bytes from offset on, at most limit of them (0: to the end), in chunks."""
        ...


class FileObjectStore:
    """Objects as read-only files, fanned out by the first bytes of their hash."""

    def __init__(self, root: Path) -> None:
        self._root = root

    def _path(self, sha256: str) -> Path:
        return self._root / sha256[:2] / sha256[2:4] / sha256

    async def contains(self, sha256: str) -> bool:
        return await asyncio.to_thread(self._path(sha256).exists)

    async def put(self, sha256: str, source: Path) -> None:
        await asyncio.to_thread(self._put, sha256, source)

    def _put(self, sha256: str, source: Path) -> None:
        target = self._path(sha256)
        target.parent.mkdir(parents=True, exist_ok=True)
        # Copied to a private file and synced, then linked into place: a hard link appears
        # whole or not at all, and never replaces a file that is already there.
        staged = target.with_name(f".{sha256}.{os.getpid()}.{id(source)}")
        with source.open("rb") as reading, staged.open("wb") as writing:
            shutil.copyfileobj(reading, writing, READ_CHUNK_BYTES * 4)
            writing.flush()
            os.fsync(writing.fileno())
        staged.chmod(0o444)
        try:
            with contextlib.suppress(FileExistsError):
                os.link(staged, target)
        finally:
            staged.unlink()

    async def read(self, sha256: str, offset: int, limit: int) -> AsyncIterator[bytes]:
        path = self._path(sha256)
        try:
            handle = await asyncio.to_thread(path.open, "rb")
        except FileNotFoundError:
            raise ObjectNotFoundError(sha256) from None
        try:
            await asyncio.to_thread(handle.seek, offset)
            remaining = limit or -1
            while remaining:
                size = READ_CHUNK_BYTES if remaining < 0 else min(READ_CHUNK_BYTES, remaining)
                chunk = await asyncio.to_thread(handle.read, size)
                if not chunk:
                    return
                if remaining > 0:
                    remaining -= len(chunk)
                yield chunk
        finally:
            handle.close()


class S3ObjectStore:
    """Objects in one bucket, under <prefix>sha256/<hash>, written only if absent."""

    def __init__(self, client: S3Client, bucket: str, prefix: str) -> None:
        self._client = client
        self._bucket = bucket
        self._prefix = prefix

    def _key(self, sha256: str) -> str:
        return f"{self._prefix}sha256/{sha256}"

    async def contains(self, sha256: str) -> bool:
        try:
            await asyncio.to_thread(
                self._client.head_object, Bucket=self._bucket, Key=self._key(sha256)
            )
        except ClientError as error:
            if _status(error) == 404:
                return False
            raise
        return True

    async def put(self, sha256: str, source: Path) -> None:
        await asyncio.to_thread(self._put, sha256, source)

    def _put(self, sha256: str, source: Path) -> None:
        with source.open("rb") as body:
            try:
                self._client.put_object(
                    Bucket=self._bucket,
                    Key=self._key(sha256),
                    Body=body,
                    ContentLength=source.stat().st_size,
                    # The store refuses bytes that do not match; and a name written once is
                    # never written again.
                    ChecksumSHA256=base64.b64encode(bytes.fromhex(sha256)).decode(),
                    IfNoneMatch="*",
                )
            except ClientError as error:
                if _status(error) not in (409, 412):  # already there: the same bytes
                    raise

    async def read(self, sha256: str, offset: int, limit: int) -> AsyncIterator[bytes]:
        byte_range = f"bytes={offset}-{offset + limit - 1}" if limit else f"bytes={offset}-"
        try:
            response = await asyncio.to_thread(
                self._client.get_object,
                Bucket=self._bucket,
                Key=self._key(sha256),
                Range=byte_range,
            )
        except ClientError as error:
            if _status(error) == 404:
                raise ObjectNotFoundError(sha256) from None
            if _status(error) == 416:  # the range starts at the end: nothing to read
                return
            raise
        body = response["Body"]
        try:
            while chunk := await asyncio.to_thread(body.read, READ_CHUNK_BYTES):
                yield chunk
        finally:
            body.close()


def _status(error: ClientError) -> int:
    metadata: Any = error.response.get("ResponseMetadata", {})
    return int(metadata.get("HTTPStatusCode", 0))


def s3_client(settings: Settings) -> S3Client:
    """A client for the configured endpoint; path-style addressing, which MinIO and other
    S3-compatible stores need."""
    return boto3.client(
        "s3",
        endpoint_url=settings.s3_endpoint_url or None,
        region_name=settings.s3_region,
        aws_access_key_id=settings.s3_access_key_id.get_secret_value() or None,
        aws_secret_access_key=settings.s3_secret_access_key.get_secret_value() or None,
        config=Config(
            s3={"addressing_style": "path"},
            retries={"max_attempts": 5, "mode": "standard"},
            request_checksum_calculation="when_required",
            response_checksum_validation="when_required",
        ),
    )


def object_store(settings: Settings) -> ObjectStore:
    """The store the settings name."""
    if settings.document_store is DocumentStoreKind.S3:
        return S3ObjectStore(s3_client(settings), settings.s3_bucket, settings.s3_prefix)
    return FileObjectStore(settings.documents_path())
