import datetime

from ecopermit._vendor.buf.validate import validate_pb2 as _validate_pb2
from ecopermit.applicants.v1 import resources_pb2 as _resources_pb2
from ecopermit.auth.v1 import access_pb2 as _access_pb2
from ecopermit.type.v1 import kazakhstan_pb2 as _kazakhstan_pb2
from google.api import annotations_pb2 as _annotations_pb2
from google.api import field_behavior_pb2 as _field_behavior_pb2
from google.protobuf import timestamp_pb2 as _timestamp_pb2
from google.protobuf.internal import containers as _containers
from google.protobuf import descriptor as _descriptor
from google.protobuf import message as _message
from collections.abc import Iterable as _Iterable, Mapping as _Mapping
from typing import ClassVar as _ClassVar, Optional as _Optional, Union as _Union

DESCRIPTOR: _descriptor.FileDescriptor

class RegisterEnterpriseRequest(_message.Message):
    __slots__ = ("enterprise",)
    ENTERPRISE_FIELD_NUMBER: _ClassVar[int]
    enterprise: _resources_pb2.Enterprise
    def __init__(self, enterprise: _Optional[_Union[_resources_pb2.Enterprise, _Mapping]] = ...) -> None: ...

class RegisterEnterpriseResponse(_message.Message):
    __slots__ = ("enterprise",)
    ENTERPRISE_FIELD_NUMBER: _ClassVar[int]
    enterprise: _resources_pb2.Enterprise
    def __init__(self, enterprise: _Optional[_Union[_resources_pb2.Enterprise, _Mapping]] = ...) -> None: ...

class GetEnterpriseRequest(_message.Message):
    __slots__ = ("name",)
    NAME_FIELD_NUMBER: _ClassVar[int]
    name: str
    def __init__(self, name: _Optional[str] = ...) -> None: ...

class GetEnterpriseResponse(_message.Message):
    __slots__ = ("enterprise",)
    ENTERPRISE_FIELD_NUMBER: _ClassVar[int]
    enterprise: _resources_pb2.Enterprise
    def __init__(self, enterprise: _Optional[_Union[_resources_pb2.Enterprise, _Mapping]] = ...) -> None: ...

class SubmitApplicationRequest(_message.Message):
    __slots__ = ("request_id", "application", "signature")
    REQUEST_ID_FIELD_NUMBER: _ClassVar[int]
    APPLICATION_FIELD_NUMBER: _ClassVar[int]
    SIGNATURE_FIELD_NUMBER: _ClassVar[int]
    request_id: str
    application: _resources_pb2.Application
    signature: bytes
    def __init__(self, request_id: _Optional[str] = ..., application: _Optional[_Union[_resources_pb2.Application, _Mapping]] = ..., signature: _Optional[bytes] = ...) -> None: ...

class SubmitApplicationResponse(_message.Message):
    __slots__ = ("application",)
    APPLICATION_FIELD_NUMBER: _ClassVar[int]
    application: _resources_pb2.Application
    def __init__(self, application: _Optional[_Union[_resources_pb2.Application, _Mapping]] = ...) -> None: ...

class GetApplicationRequest(_message.Message):
    __slots__ = ("name",)
    NAME_FIELD_NUMBER: _ClassVar[int]
    name: str
    def __init__(self, name: _Optional[str] = ...) -> None: ...

class GetApplicationResponse(_message.Message):
    __slots__ = ("application",)
    APPLICATION_FIELD_NUMBER: _ClassVar[int]
    application: _resources_pb2.Application
    def __init__(self, application: _Optional[_Union[_resources_pb2.Application, _Mapping]] = ...) -> None: ...

class ListApplicationsRequest(_message.Message):
    __slots__ = ("page_size", "page_token", "stage", "enterprise", "sector", "region")
    PAGE_SIZE_FIELD_NUMBER: _ClassVar[int]
    PAGE_TOKEN_FIELD_NUMBER: _ClassVar[int]
    STAGE_FIELD_NUMBER: _ClassVar[int]
    ENTERPRISE_FIELD_NUMBER: _ClassVar[int]
    SECTOR_FIELD_NUMBER: _ClassVar[int]
    REGION_FIELD_NUMBER: _ClassVar[int]
    page_size: int
    page_token: str
    stage: _resources_pb2.Stage
    enterprise: str
    sector: _kazakhstan_pb2.Sector
    region: _kazakhstan_pb2.Region
    def __init__(self, page_size: _Optional[int] = ..., page_token: _Optional[str] = ..., stage: _Optional[_Union[_resources_pb2.Stage, str]] = ..., enterprise: _Optional[str] = ..., sector: _Optional[_Union[_kazakhstan_pb2.Sector, str]] = ..., region: _Optional[_Union[_kazakhstan_pb2.Region, str]] = ...) -> None: ...

class ListApplicationsResponse(_message.Message):
    __slots__ = ("applications", "next_page_token")
    APPLICATIONS_FIELD_NUMBER: _ClassVar[int]
    NEXT_PAGE_TOKEN_FIELD_NUMBER: _ClassVar[int]
    applications: _containers.RepeatedCompositeFieldContainer[_resources_pb2.Application]
    next_page_token: str
    def __init__(self, applications: _Optional[_Iterable[_Union[_resources_pb2.Application, _Mapping]]] = ..., next_page_token: _Optional[str] = ...) -> None: ...

class AmendApplicationRequest(_message.Message):
    __slots__ = ("name", "request_id", "response", "emission_sources", "documents", "efficiency_programme", "disagree", "signature")
    NAME_FIELD_NUMBER: _ClassVar[int]
    REQUEST_ID_FIELD_NUMBER: _ClassVar[int]
    RESPONSE_FIELD_NUMBER: _ClassVar[int]
    EMISSION_SOURCES_FIELD_NUMBER: _ClassVar[int]
    DOCUMENTS_FIELD_NUMBER: _ClassVar[int]
    EFFICIENCY_PROGRAMME_FIELD_NUMBER: _ClassVar[int]
    DISAGREE_FIELD_NUMBER: _ClassVar[int]
    SIGNATURE_FIELD_NUMBER: _ClassVar[int]
    name: str
    request_id: str
    response: str
    emission_sources: _containers.RepeatedCompositeFieldContainer[_resources_pb2.EmissionSource]
    documents: _containers.RepeatedCompositeFieldContainer[_resources_pb2.Document]
    efficiency_programme: _containers.RepeatedCompositeFieldContainer[_resources_pb2.ProgrammeMilestone]
    disagree: bool
    signature: bytes
    def __init__(self, name: _Optional[str] = ..., request_id: _Optional[str] = ..., response: _Optional[str] = ..., emission_sources: _Optional[_Iterable[_Union[_resources_pb2.EmissionSource, _Mapping]]] = ..., documents: _Optional[_Iterable[_Union[_resources_pb2.Document, _Mapping]]] = ..., efficiency_programme: _Optional[_Iterable[_Union[_resources_pb2.ProgrammeMilestone, _Mapping]]] = ..., disagree: _Optional[bool] = ..., signature: _Optional[bytes] = ...) -> None: ...

class AmendApplicationResponse(_message.Message):
    __slots__ = ("application",)
    APPLICATION_FIELD_NUMBER: _ClassVar[int]
    application: _resources_pb2.Application
    def __init__(self, application: _Optional[_Union[_resources_pb2.Application, _Mapping]] = ...) -> None: ...

class WithdrawApplicationRequest(_message.Message):
    __slots__ = ("name", "reason")
    NAME_FIELD_NUMBER: _ClassVar[int]
    REASON_FIELD_NUMBER: _ClassVar[int]
    name: str
    reason: str
    def __init__(self, name: _Optional[str] = ..., reason: _Optional[str] = ...) -> None: ...

class WithdrawApplicationResponse(_message.Message):
    __slots__ = ("application",)
    APPLICATION_FIELD_NUMBER: _ClassVar[int]
    application: _resources_pb2.Application
    def __init__(self, application: _Optional[_Union[_resources_pb2.Application, _Mapping]] = ...) -> None: ...

class GetPermitRequest(_message.Message):
    __slots__ = ("name",)
    NAME_FIELD_NUMBER: _ClassVar[int]
    name: str
    def __init__(self, name: _Optional[str] = ...) -> None: ...

class GetPermitResponse(_message.Message):
    __slots__ = ("permit",)
    PERMIT_FIELD_NUMBER: _ClassVar[int]
    permit: _resources_pb2.Permit
    def __init__(self, permit: _Optional[_Union[_resources_pb2.Permit, _Mapping]] = ...) -> None: ...

class VerifyPermitCertificateRequest(_message.Message):
    __slots__ = ("pdf", "permit")
    PDF_FIELD_NUMBER: _ClassVar[int]
    PERMIT_FIELD_NUMBER: _ClassVar[int]
    pdf: bytes
    permit: str
    def __init__(self, pdf: _Optional[bytes] = ..., permit: _Optional[str] = ...) -> None: ...

class VerifyPermitCertificateResponse(_message.Message):
    __slots__ = ("valid", "explanation", "intact", "unmodified_after_signing", "trusted", "signer_name", "signer_bin", "permit", "matches_register")
    VALID_FIELD_NUMBER: _ClassVar[int]
    EXPLANATION_FIELD_NUMBER: _ClassVar[int]
    INTACT_FIELD_NUMBER: _ClassVar[int]
    UNMODIFIED_AFTER_SIGNING_FIELD_NUMBER: _ClassVar[int]
    TRUSTED_FIELD_NUMBER: _ClassVar[int]
    SIGNER_NAME_FIELD_NUMBER: _ClassVar[int]
    SIGNER_BIN_FIELD_NUMBER: _ClassVar[int]
    PERMIT_FIELD_NUMBER: _ClassVar[int]
    MATCHES_REGISTER_FIELD_NUMBER: _ClassVar[int]
    valid: bool
    explanation: str
    intact: bool
    unmodified_after_signing: bool
    trusted: bool
    signer_name: str
    signer_bin: str
    permit: _resources_pb2.Permit
    matches_register: bool
    def __init__(self, valid: _Optional[bool] = ..., explanation: _Optional[str] = ..., intact: _Optional[bool] = ..., unmodified_after_signing: _Optional[bool] = ..., trusted: _Optional[bool] = ..., signer_name: _Optional[str] = ..., signer_bin: _Optional[str] = ..., permit: _Optional[_Union[_resources_pb2.Permit, _Mapping]] = ..., matches_register: _Optional[bool] = ...) -> None: ...

class DocumentUpload(_message.Message):
    __slots__ = ("parent", "file_name", "sha256", "size_bytes")
    PARENT_FIELD_NUMBER: _ClassVar[int]
    FILE_NAME_FIELD_NUMBER: _ClassVar[int]
    SHA256_FIELD_NUMBER: _ClassVar[int]
    SIZE_BYTES_FIELD_NUMBER: _ClassVar[int]
    parent: str
    file_name: str
    sha256: str
    size_bytes: int
    def __init__(self, parent: _Optional[str] = ..., file_name: _Optional[str] = ..., sha256: _Optional[str] = ..., size_bytes: _Optional[int] = ...) -> None: ...

class UploadDocumentRequest(_message.Message):
    __slots__ = ("declaration", "chunk")
    DECLARATION_FIELD_NUMBER: _ClassVar[int]
    CHUNK_FIELD_NUMBER: _ClassVar[int]
    declaration: DocumentUpload
    chunk: bytes
    def __init__(self, declaration: _Optional[_Union[DocumentUpload, _Mapping]] = ..., chunk: _Optional[bytes] = ...) -> None: ...

class UploadDocumentResponse(_message.Message):
    __slots__ = ("document",)
    DOCUMENT_FIELD_NUMBER: _ClassVar[int]
    document: _resources_pb2.StoredDocument
    def __init__(self, document: _Optional[_Union[_resources_pb2.StoredDocument, _Mapping]] = ...) -> None: ...

class DownloadDocumentRequest(_message.Message):
    __slots__ = ("name", "read_offset", "read_limit")
    NAME_FIELD_NUMBER: _ClassVar[int]
    READ_OFFSET_FIELD_NUMBER: _ClassVar[int]
    READ_LIMIT_FIELD_NUMBER: _ClassVar[int]
    name: str
    read_offset: int
    read_limit: int
    def __init__(self, name: _Optional[str] = ..., read_offset: _Optional[int] = ..., read_limit: _Optional[int] = ...) -> None: ...

class DownloadDocumentResponse(_message.Message):
    __slots__ = ("document", "chunk")
    DOCUMENT_FIELD_NUMBER: _ClassVar[int]
    CHUNK_FIELD_NUMBER: _ClassVar[int]
    document: _resources_pb2.Document
    chunk: bytes
    def __init__(self, document: _Optional[_Union[_resources_pb2.Document, _Mapping]] = ..., chunk: _Optional[bytes] = ...) -> None: ...

class GetDossierRequest(_message.Message):
    __slots__ = ("name", "read_time")
    NAME_FIELD_NUMBER: _ClassVar[int]
    READ_TIME_FIELD_NUMBER: _ClassVar[int]
    name: str
    read_time: _timestamp_pb2.Timestamp
    def __init__(self, name: _Optional[str] = ..., read_time: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ...) -> None: ...

class GetDossierResponse(_message.Message):
    __slots__ = ("dossier",)
    DOSSIER_FIELD_NUMBER: _ClassVar[int]
    dossier: _resources_pb2.Dossier
    def __init__(self, dossier: _Optional[_Union[_resources_pb2.Dossier, _Mapping]] = ...) -> None: ...

class GetApplicationStatisticsRequest(_message.Message):
    __slots__ = ("stuck_after_days", "near_deadline_days")
    STUCK_AFTER_DAYS_FIELD_NUMBER: _ClassVar[int]
    NEAR_DEADLINE_DAYS_FIELD_NUMBER: _ClassVar[int]
    stuck_after_days: int
    near_deadline_days: int
    def __init__(self, stuck_after_days: _Optional[int] = ..., near_deadline_days: _Optional[int] = ...) -> None: ...

class GetApplicationStatisticsResponse(_message.Message):
    __slots__ = ("by_stage_region", "turnaround", "lapsed", "near_deadline", "stuck", "applications")
    BY_STAGE_REGION_FIELD_NUMBER: _ClassVar[int]
    TURNAROUND_FIELD_NUMBER: _ClassVar[int]
    LAPSED_FIELD_NUMBER: _ClassVar[int]
    NEAR_DEADLINE_FIELD_NUMBER: _ClassVar[int]
    STUCK_FIELD_NUMBER: _ClassVar[int]
    APPLICATIONS_FIELD_NUMBER: _ClassVar[int]
    by_stage_region: _containers.RepeatedCompositeFieldContainer[StageRegionCount]
    turnaround: _containers.RepeatedCompositeFieldContainer[StageTurnaround]
    lapsed: _containers.RepeatedCompositeFieldContainer[ApplicationAlert]
    near_deadline: _containers.RepeatedCompositeFieldContainer[ApplicationAlert]
    stuck: _containers.RepeatedCompositeFieldContainer[ApplicationAlert]
    applications: int
    def __init__(self, by_stage_region: _Optional[_Iterable[_Union[StageRegionCount, _Mapping]]] = ..., turnaround: _Optional[_Iterable[_Union[StageTurnaround, _Mapping]]] = ..., lapsed: _Optional[_Iterable[_Union[ApplicationAlert, _Mapping]]] = ..., near_deadline: _Optional[_Iterable[_Union[ApplicationAlert, _Mapping]]] = ..., stuck: _Optional[_Iterable[_Union[ApplicationAlert, _Mapping]]] = ..., applications: _Optional[int] = ...) -> None: ...

class StageRegionCount(_message.Message):
    __slots__ = ("stage", "region", "count")
    STAGE_FIELD_NUMBER: _ClassVar[int]
    REGION_FIELD_NUMBER: _ClassVar[int]
    COUNT_FIELD_NUMBER: _ClassVar[int]
    stage: _resources_pb2.Stage
    region: _kazakhstan_pb2.Region
    count: int
    def __init__(self, stage: _Optional[_Union[_resources_pb2.Stage, str]] = ..., region: _Optional[_Union[_kazakhstan_pb2.Region, str]] = ..., count: _Optional[int] = ...) -> None: ...

class StageTurnaround(_message.Message):
    __slots__ = ("stage", "left", "p50_hours", "p90_hours")
    STAGE_FIELD_NUMBER: _ClassVar[int]
    LEFT_FIELD_NUMBER: _ClassVar[int]
    P50_HOURS_FIELD_NUMBER: _ClassVar[int]
    P90_HOURS_FIELD_NUMBER: _ClassVar[int]
    stage: _resources_pb2.Stage
    left: int
    p50_hours: float
    p90_hours: float
    def __init__(self, stage: _Optional[_Union[_resources_pb2.Stage, str]] = ..., left: _Optional[int] = ..., p50_hours: _Optional[float] = ..., p90_hours: _Optional[float] = ...) -> None: ...

class ApplicationAlert(_message.Message):
    __slots__ = ("application", "facility_display_name", "region", "stage", "time")
    APPLICATION_FIELD_NUMBER: _ClassVar[int]
    FACILITY_DISPLAY_NAME_FIELD_NUMBER: _ClassVar[int]
    REGION_FIELD_NUMBER: _ClassVar[int]
    STAGE_FIELD_NUMBER: _ClassVar[int]
    TIME_FIELD_NUMBER: _ClassVar[int]
    application: str
    facility_display_name: str
    region: _kazakhstan_pb2.Region
    stage: _resources_pb2.Stage
    time: _timestamp_pb2.Timestamp
    def __init__(self, application: _Optional[str] = ..., facility_display_name: _Optional[str] = ..., region: _Optional[_Union[_kazakhstan_pb2.Region, str]] = ..., stage: _Optional[_Union[_resources_pb2.Stage, str]] = ..., time: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ...) -> None: ...
