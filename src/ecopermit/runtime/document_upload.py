"""The client side of UploadDocument: a declaration, then the bytes in chunks. The portal, the
demo's enterprises and the benchmarks upload through here."""

from __future__ import annotations

import hashlib
from collections.abc import AsyncIterable, AsyncIterator, Sequence

from ecopermit.applicants.v1 import applicant_service_pb2 as api
from ecopermit.applicants.v1 import applicant_service_pb2_grpc
from ecopermit.applicants.v1 import resources_pb2 as pb

# The contract allows 1 MiB per message; smaller chunks keep less in flight.
CHUNK_BYTES = 256 * 1024


async def upload_requests(
    declaration: api.DocumentUpload, chunks: AsyncIterable[bytes]
) -> AsyncIterator[api.UploadDocumentRequest]:
    yield api.UploadDocumentRequest(declaration=declaration)
    async for chunk in chunks:
        for start in range(0, len(chunk), CHUNK_BYTES):
            yield api.UploadDocumentRequest(chunk=chunk[start : start + CHUNK_BYTES])


async def _whole(content: bytes) -> AsyncIterator[bytes]:
    yield content


async def upload(
    stub: applicant_service_pb2_grpc.ApplicantServiceStub,
    enterprise_bin: str,
    file_name: str,
    content: bytes,
    metadata: Sequence[tuple[str, str]],
) -> pb.StoredDocument:
    """Uploads bytes held in memory (small files: forms, stand-ins)."""
    declaration = api.DocumentUpload(
        parent=f"enterprises/{enterprise_bin}",
        file_name=file_name,
        sha256=hashlib.sha256(content).hexdigest(),
        size_bytes=len(content),
    )
    response = await stub.UploadDocument(
        upload_requests(declaration, _whole(content)), metadata=metadata
    )
    stored: pb.StoredDocument = response.document
    return stored
