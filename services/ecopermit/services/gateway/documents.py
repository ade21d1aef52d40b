"""Document bytes over HTTP: a multipart upload streamed into UploadDocument, and a download
streamed out of DownloadDocument with its type, a safe file name and byte ranges.

Neither holds a file in memory: the upload's bytes go on to the service as they arrive (the
form's fields sha256 and size_bytes come first, the file last, as S3's POST uploads have it; a
file sent before them waits in a bounded spool), and the download's bytes leave as the service
sends them.
"""

from __future__ import annotations

import asyncio
import re
import tempfile
from collections.abc import AsyncIterator, Sequence
from dataclasses import dataclass, field
from typing import IO, Any
from urllib.parse import quote

import grpc
from python_multipart.exceptions import MultipartParseError
from python_multipart.multipart import MultipartParser, parse_options_header
from starlette.requests import Request
from starlette.responses import JSONResponse, Response, StreamingResponse

from ecopermit.applicants.v1 import applicant_service_pb2 as api
from ecopermit.applicants.v1 import resources_pb2 as pb
from ecopermit.runtime.document_upload import upload_requests
from ecopermit.services.gateway.transcoding import (
    TranscodingError,
    error_json,
    response_json,
    transcoding_error_json,
)

# The form fields before the file are a hash and a number: a few bytes, never more than this.
_MAX_FIELD_BYTES = 1024
_DECLARING_FIELDS = {"sha256", "size_bytes"}
# A file sent before its fields waits in memory up to this, then on disk.
_SPOOL_IN_MEMORY_BYTES = 1024 * 1024
_SPOOL_CHUNK_BYTES = 64 * 1024
_CALL_TIMEOUT_SECONDS = 600.0
# A download may be shown in the portal's own frame (the inline PDF view), nowhere else, and
# runs nothing.
_DOWNLOAD_SECURITY = {
    "content-security-policy": "default-src 'none'; frame-ancestors 'self'; sandbox",
    "x-frame-options": "SAMEORIGIN",
}
_RANGE = re.compile(r"^bytes=(\d*)-(\d*)$")
_UNSAFE_IN_QUOTED_NAME = re.compile(r"[^A-Za-z0-9._ -]")

_FORM_NAME_ESCAPES = (("%22", '"'), ("%0D", "\r"), ("%0A", "\n"))

Metadata = Sequence[tuple[str, str]]


@dataclass
class _Part:
    name: str = ""
    file_name: str | None = None
    headers: dict[str, bytes] = field(default_factory=dict)


class _MultipartStream:
    """The parts of a multipart body as they arrive: the small fields in full, the file's
    bytes in the chunks the body came in."""

    def __init__(self, body: AsyncIterator[bytes], boundary: bytes) -> None:
        self._body = body
        self._events: list[tuple[str, Any]] = []
        self._part = _Part()
        self._header_field = b""
        self._header_value = b""
        self._parser = MultipartParser(
            boundary,
            {
                "on_part_begin": self._on_part_begin,
                "on_part_data": self._on_part_data,
                "on_part_end": lambda: self._events.append(("end", None)),
                "on_header_field": self._on_header_field,
                "on_header_value": self._on_header_value,
                "on_header_end": self._on_header_end,
                "on_headers_finished": self._on_headers_finished,
            },
        )

    def _on_part_begin(self) -> None:
        self._part = _Part()

    def _on_header_field(self, data: bytes, start: int, end: int) -> None:
        self._header_field += data[start:end]

    def _on_header_value(self, data: bytes, start: int, end: int) -> None:
        self._header_value += data[start:end]

    def _on_header_end(self) -> None:
        self._part.headers[self._header_field.decode("latin-1").lower()] = self._header_value
        self._header_field = self._header_value = b""

    def _on_headers_finished(self) -> None:
        _, options = parse_options_header(self._part.headers.get("content-disposition", b""))
        self._part.name = options.get(b"name", b"").decode("utf-8", "replace")
        file_name = options.get(b"filename")
        self._part.file_name = None if file_name is None else _form_file_name(file_name)
        self._events.append(("begin", self._part))

    def _on_part_data(self, data: bytes, start: int, end: int) -> None:
        self._events.append(("data", data[start:end]))

    async def events(self) -> AsyncIterator[tuple[str, Any]]:
        """The form's parts as they arrive; a body that is not a well-formed form is refused
        as the client's mistake (400), not left to fail as the server's."""
        try:
            async for chunk in self._body:
                self._parser.write(chunk)
                events, self._events = self._events, []
                for event in events:
                    yield event
            self._parser.finalize()
        except MultipartParseError as error:
            raise TranscodingError(
                "form", f"is not a well-formed multipart form: {error}"
            ) from None
        for event in self._events:
            yield event


def _form_file_name(raw: bytes) -> str:
    """The file name as the person chose it: browsers (the WHATWG form encoding) and httpx
    write a quote, CR and LF in it as %22, %0D and %0A."""
    name = raw.decode("utf-8", "replace")
    for escaped, character in _FORM_NAME_ESCAPES:
        name = name.replace(escaped, character)
    return name


async def _declaration_and_file(
    request: Request, parent: str, max_file_bytes: int
) -> tuple[api.DocumentUpload, AsyncIterator[bytes]]:
    """Reads the form up to the file: the declaration, and the file's bytes still to come.

    A form that sends the file before its fields (the part order is the client's to choose)
    costs a spool: the file goes to a temporary file, at most max_file_bytes, until the fields
    that declare it have arrived."""
    content_type, options = parse_options_header(request.headers.get("content-type", ""))
    if content_type != b"multipart/form-data" or b"boundary" not in options:
        raise TranscodingError("body", "must be multipart/form-data")
    events = _MultipartStream(request.stream(), options[b"boundary"]).events()
    fields: dict[str, bytes] = {}
    current = ""
    spooled: tuple[str, IO[bytes]] | None = None
    try:
        async for kind, value in events:
            if kind == "begin" and value.file_name is not None:
                if spooled is not None:
                    raise TranscodingError("file", "the form has more than one file part")
                if fields.keys() >= _DECLARING_FIELDS:
                    return _declaration(parent, value.file_name, fields), _file_bytes(events)
                spooled = value.file_name, await _spool(events, max_file_bytes)
            elif kind == "begin":
                current = value.name
                fields[current] = b""
            elif kind == "data":
                fields[current] += value
                if len(fields[current]) > _MAX_FIELD_BYTES:
                    raise TranscodingError(current, "is too long for a form field")
        if spooled is None:
            raise TranscodingError("file", "the form has no file part")
        return _declaration(parent, spooled[0], fields), _spooled_bytes(spooled[1])
    except BaseException:
        if spooled is not None:
            spooled[1].close()
        raise


async def _spool(events: AsyncIterator[tuple[str, Any]], max_file_bytes: int) -> IO[bytes]:
    # Closed by whoever reads it (_spooled_bytes) or on the way out of an error.
    spool: IO[bytes] = tempfile.SpooledTemporaryFile(max_size=_SPOOL_IN_MEMORY_BYTES)  # noqa: SIM115
    try:
        size = 0
        async for chunk in _file_bytes(events):
            size += len(chunk)
            if size > max_file_bytes:
                raise TranscodingError("file", f"is larger than {max_file_bytes} bytes")
            await asyncio.to_thread(spool.write, chunk)
        spool.seek(0)
    except BaseException:
        spool.close()
        raise
    return spool


async def _spooled_bytes(spool: IO[bytes]) -> AsyncIterator[bytes]:
    with spool:
        while chunk := await asyncio.to_thread(spool.read, _SPOOL_CHUNK_BYTES):
            yield chunk


def _declaration(parent: str, file_name: str, fields: dict[str, bytes]) -> api.DocumentUpload:
    for required in ("sha256", "size_bytes"):
        if required not in fields:
            raise TranscodingError(required, "is required (a form field, best before the file)")
    size = fields["size_bytes"].decode("ascii", "replace").strip()
    if not size.isdigit():
        raise TranscodingError("size_bytes", "must be a whole number of bytes")
    return api.DocumentUpload(
        parent=parent,
        file_name=file_name,
        sha256=fields["sha256"].decode("ascii", "replace").strip(),
        size_bytes=int(size),
    )


async def _file_bytes(events: AsyncIterator[tuple[str, Any]]) -> AsyncIterator[bytes]:
    """The file's bytes as they arrive. A form that breaks off malformed after its declaration
    ends the file there: the service finds it shorter than declared and refuses it."""
    try:
        async for kind, value in events:
            if kind == "end":
                return
            if kind == "data" and value:
                yield value
    except TranscodingError:
        return


async def upload(
    request: Request,
    channel: grpc.aio.Channel,
    parent: str,
    metadata: Metadata,
    max_file_bytes: int,
) -> Response:
    try:
        declaration, file_bytes = await _declaration_and_file(request, parent, max_file_bytes)
    except TranscodingError as error:
        status = 415 if error.field == "body" else 400
        return JSONResponse(transcoding_error_json(error), status_code=status)
    call: grpc.aio.StreamUnaryMultiCallable[Any, Any] = channel.stream_unary(
        "/ecopermit.applicants.v1.ApplicantService/UploadDocument",
        request_serializer=lambda m: m.SerializeToString(),
        response_deserializer=api.UploadDocumentResponse.FromString,
    )
    try:
        response = await call(
            upload_requests(declaration, file_bytes),
            metadata=metadata,
            timeout=_CALL_TIMEOUT_SECONDS,
        )
    except grpc.aio.AioRpcError as error:
        status, payload = error_json(error)
        return JSONResponse(payload, status_code=status)
    return JSONResponse(response_json(response))


@dataclass(frozen=True)
class ByteRange:
    """A Range header's one range, resolved against the document's size."""

    start: int
    end: int  # inclusive

    @property
    def length(self) -> int:
        return self.end - self.start + 1


class RangeNotSatisfiableError(ValueError):
    """The range lies outside the document: 416."""


def requested_range(header: str | None, size: int) -> ByteRange | None:
    """The range asked for; None for the whole document (no header, or one this does not
    serve: several ranges may be answered with all of it)."""
    if not header:
        return None
    matched = _RANGE.match(header.strip())
    if matched is None or matched.group(1) == matched.group(2) == "":
        return None
    first, last = matched.group(1), matched.group(2)
    if first == "":  # the last N bytes
        suffix = int(last)
        if suffix == 0:
            raise RangeNotSatisfiableError(header)
        return ByteRange(max(size - suffix, 0), size - 1)
    start = int(first)
    end = min(int(last), size - 1) if last else size - 1
    if start >= size or end < start:
        raise RangeNotSatisfiableError(header)
    return ByteRange(start, end)


def content_disposition(file_name: str, *, inline: bool) -> str:
    """RFC 6266: a plain ASCII name for old clients, the UTF-8 name for the rest."""
    fallback = _UNSAFE_IN_QUOTED_NAME.sub("_", file_name) or "document"
    kind = "inline" if inline else "attachment"
    return f"{kind}; filename=\"{fallback}\"; filename*=UTF-8''{quote(file_name, safe='')}"


async def download(
    request: Request, channel: grpc.aio.Channel, name: str, metadata: Metadata
) -> Response:
    call: grpc.aio.UnaryStreamMultiCallable[Any, Any] = channel.unary_stream(
        "/ecopermit.applicants.v1.ApplicantService/DownloadDocument",
        request_serializer=lambda m: m.SerializeToString(),
        response_deserializer=api.DownloadDocumentResponse.FromString,
    )

    async def open_stream(offset: int, limit: int) -> tuple[Any, pb.Document]:
        """The call, with its first message (the document's description) read."""
        stream = call(
            api.DownloadDocumentRequest(name=name, read_offset=offset, read_limit=limit),
            metadata=metadata,
            timeout=_CALL_TIMEOUT_SECONDS,
        )
        first = await stream.read()
        # The service describes the document first, or fails the call (raised above).
        assert isinstance(first, api.DownloadDocumentResponse)
        return stream, first.document

    wanted: ByteRange | None = None
    try:
        stream, document = await open_stream(0, 0)
        wanted = requested_range(request.headers.get("range"), document.size_bytes)
        if wanted is not None and wanted.start > 0:
            stream.cancel()
            stream, document = await open_stream(wanted.start, wanted.length)
    except grpc.aio.AioRpcError as error:
        status, payload = error_json(error)
        return JSONResponse(payload, status_code=status)
    except RangeNotSatisfiableError:
        stream.cancel()
        return Response(
            status_code=416,
            headers={**_DOWNLOAD_SECURITY, "content-range": f"bytes */{document.size_bytes}"},
        )
    inline = request.query_params.get("disposition") == "inline"
    headers = {
        **_DOWNLOAD_SECURITY,
        "accept-ranges": "bytes",
        "content-disposition": content_disposition(document.file_name, inline=inline),
        "etag": f'"{document.sha256}"',
        "cache-control": "private, no-cache",
    }
    status = 200
    length = document.size_bytes
    if wanted is not None:
        status = 206
        length = wanted.length
        headers["content-range"] = f"bytes {wanted.start}-{wanted.end}/{document.size_bytes}"
    headers["content-length"] = str(length)
    return StreamingResponse(
        _chunks(stream, length),
        status_code=status,
        headers=headers,
        media_type=document.media_type or "application/octet-stream",
    )


async def _chunks(stream: Any, length: int) -> AsyncIterator[bytes]:
    sent = 0
    try:
        while sent < length:
            message = await stream.read()
            if message is grpc.aio.EOF:
                return
            chunk = message.chunk[: length - sent]
            sent += len(chunk)
            yield chunk
    finally:
        stream.cancel()
