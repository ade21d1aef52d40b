import datetime

from ecopermit._vendor.buf.validate import validate_pb2 as _validate_pb2
from ecopermit.type.v1 import kazakhstan_pb2 as _kazakhstan_pb2
from ecopermit.type.v1 import signature_pb2 as _signature_pb2
from google.api import field_behavior_pb2 as _field_behavior_pb2
from google.api import resource_pb2 as _resource_pb2
from google.protobuf import timestamp_pb2 as _timestamp_pb2
from google.type import date_pb2 as _date_pb2
from google.protobuf.internal import containers as _containers
from google.protobuf.internal import enum_type_wrapper as _enum_type_wrapper
from google.protobuf import descriptor as _descriptor
from google.protobuf import message as _message
from collections.abc import Iterable as _Iterable, Mapping as _Mapping
from typing import ClassVar as _ClassVar, Optional as _Optional, Union as _Union

DESCRIPTOR: _descriptor.FileDescriptor

class Stage(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    STAGE_UNSPECIFIED: _ClassVar[Stage]
    STAGE_SUBMITTED: _ClassVar[Stage]
    STAGE_COMPLETENESS: _ClassVar[Stage]
    STAGE_RETURNED_FOR_REVISION: _ClassVar[Stage]
    STAGE_TECHNICAL_REVIEW: _ClassVar[Stage]
    STAGE_BAT_ASSESSMENT: _ClassVar[Stage]
    STAGE_SITE_INSPECTION: _ClassVar[Stage]
    STAGE_PUBLIC_CONSULTATION: _ClassVar[Stage]
    STAGE_DECISION: _ClassVar[Stage]
    STAGE_REFUSAL_HEARING: _ClassVar[Stage]
    STAGE_APPROVED: _ClassVar[Stage]
    STAGE_REFUSED: _ClassVar[Stage]
    STAGE_WITHDRAWN: _ClassVar[Stage]
    STAGE_STATE_EXPERTISE: _ClassVar[Stage]
    STAGE_TRANSBOUNDARY_CONSULTATION: _ClassVar[Stage]
    STAGE_REMARKS: _ClassVar[Stage]
    STAGE_APPLICANT_ANSWER: _ClassVar[Stage]
    STAGE_DISAGREEMENT_RESOLUTION: _ClassVar[Stage]
    STAGE_PRELIMINARY_DECISION: _ClassVar[Stage]
    STAGE_NOT_ACCEPTED: _ClassVar[Stage]

class DocumentKind(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    DOCUMENT_KIND_UNSPECIFIED: _ClassVar[DocumentKind]
    DOCUMENT_KIND_PROJECT_DOCUMENTATION: _ClassVar[DocumentKind]
    DOCUMENT_KIND_DRAFT_EMISSION_STANDARDS: _ClassVar[DocumentKind]
    DOCUMENT_KIND_WASTE_PROGRAMME: _ClassVar[DocumentKind]
    DOCUMENT_KIND_PRODUCTION_CONTROL_PROGRAMME: _ClassVar[DocumentKind]
    DOCUMENT_KIND_BAT_GAP_ANALYSIS: _ClassVar[DocumentKind]
    DOCUMENT_KIND_AUTOMATED_MONITORING_PLAN: _ClassVar[DocumentKind]
    DOCUMENT_KIND_EFFICIENCY_PROGRAMME: _ClassVar[DocumentKind]
    DOCUMENT_KIND_ENERGY_EFFICIENCY_MEASURES: _ClassVar[DocumentKind]
    DOCUMENT_KIND_OTHER: _ClassVar[DocumentKind]
    DOCUMENT_KIND_PERMIT_CERTIFICATE: _ClassVar[DocumentKind]
STAGE_UNSPECIFIED: Stage
STAGE_SUBMITTED: Stage
STAGE_COMPLETENESS: Stage
STAGE_RETURNED_FOR_REVISION: Stage
STAGE_TECHNICAL_REVIEW: Stage
STAGE_BAT_ASSESSMENT: Stage
STAGE_SITE_INSPECTION: Stage
STAGE_PUBLIC_CONSULTATION: Stage
STAGE_DECISION: Stage
STAGE_REFUSAL_HEARING: Stage
STAGE_APPROVED: Stage
STAGE_REFUSED: Stage
STAGE_WITHDRAWN: Stage
STAGE_STATE_EXPERTISE: Stage
STAGE_TRANSBOUNDARY_CONSULTATION: Stage
STAGE_REMARKS: Stage
STAGE_APPLICANT_ANSWER: Stage
STAGE_DISAGREEMENT_RESOLUTION: Stage
STAGE_PRELIMINARY_DECISION: Stage
STAGE_NOT_ACCEPTED: Stage
DOCUMENT_KIND_UNSPECIFIED: DocumentKind
DOCUMENT_KIND_PROJECT_DOCUMENTATION: DocumentKind
DOCUMENT_KIND_DRAFT_EMISSION_STANDARDS: DocumentKind
DOCUMENT_KIND_WASTE_PROGRAMME: DocumentKind
DOCUMENT_KIND_PRODUCTION_CONTROL_PROGRAMME: DocumentKind
DOCUMENT_KIND_BAT_GAP_ANALYSIS: DocumentKind
DOCUMENT_KIND_AUTOMATED_MONITORING_PLAN: DocumentKind
DOCUMENT_KIND_EFFICIENCY_PROGRAMME: DocumentKind
DOCUMENT_KIND_ENERGY_EFFICIENCY_MEASURES: DocumentKind
DOCUMENT_KIND_OTHER: DocumentKind
DOCUMENT_KIND_PERMIT_CERTIFICATE: DocumentKind

class Enterprise(_message.Message):
    __slots__ = ("name", "bin", "display_name", "region", "sector", "create_time")
    NAME_FIELD_NUMBER: _ClassVar[int]
    BIN_FIELD_NUMBER: _ClassVar[int]
    DISPLAY_NAME_FIELD_NUMBER: _ClassVar[int]
    REGION_FIELD_NUMBER: _ClassVar[int]
    SECTOR_FIELD_NUMBER: _ClassVar[int]
    CREATE_TIME_FIELD_NUMBER: _ClassVar[int]
    name: str
    bin: str
    display_name: str
    region: _kazakhstan_pb2.Region
    sector: _kazakhstan_pb2.Sector
    create_time: _timestamp_pb2.Timestamp
    def __init__(self, name: _Optional[str] = ..., bin: _Optional[str] = ..., display_name: _Optional[str] = ..., region: _Optional[_Union[_kazakhstan_pb2.Region, str]] = ..., sector: _Optional[_Union[_kazakhstan_pb2.Sector, str]] = ..., create_time: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ...) -> None: ...

class Facility(_message.Message):
    __slots__ = ("display_name", "address", "region", "rated_thermal_input_mw")
    DISPLAY_NAME_FIELD_NUMBER: _ClassVar[int]
    ADDRESS_FIELD_NUMBER: _ClassVar[int]
    REGION_FIELD_NUMBER: _ClassVar[int]
    RATED_THERMAL_INPUT_MW_FIELD_NUMBER: _ClassVar[int]
    display_name: str
    address: str
    region: _kazakhstan_pb2.Region
    rated_thermal_input_mw: float
    def __init__(self, display_name: _Optional[str] = ..., address: _Optional[str] = ..., region: _Optional[_Union[_kazakhstan_pb2.Region, str]] = ..., rated_thermal_input_mw: _Optional[float] = ...) -> None: ...

class DeclaredEmission(_message.Message):
    __slots__ = ("pollutant", "concentration_mg_nm3", "oxygen_percent", "annual_tonnes")
    POLLUTANT_FIELD_NUMBER: _ClassVar[int]
    CONCENTRATION_MG_NM3_FIELD_NUMBER: _ClassVar[int]
    OXYGEN_PERCENT_FIELD_NUMBER: _ClassVar[int]
    ANNUAL_TONNES_FIELD_NUMBER: _ClassVar[int]
    pollutant: _kazakhstan_pb2.Pollutant
    concentration_mg_nm3: float
    oxygen_percent: float
    annual_tonnes: float
    def __init__(self, pollutant: _Optional[_Union[_kazakhstan_pb2.Pollutant, str]] = ..., concentration_mg_nm3: _Optional[float] = ..., oxygen_percent: _Optional[float] = ..., annual_tonnes: _Optional[float] = ...) -> None: ...

class EmissionSource(_message.Message):
    __slots__ = ("source_id", "source_type", "description", "emissions")
    SOURCE_ID_FIELD_NUMBER: _ClassVar[int]
    SOURCE_TYPE_FIELD_NUMBER: _ClassVar[int]
    DESCRIPTION_FIELD_NUMBER: _ClassVar[int]
    EMISSIONS_FIELD_NUMBER: _ClassVar[int]
    source_id: str
    source_type: str
    description: str
    emissions: _containers.RepeatedCompositeFieldContainer[DeclaredEmission]
    def __init__(self, source_id: _Optional[str] = ..., source_type: _Optional[str] = ..., description: _Optional[str] = ..., emissions: _Optional[_Iterable[_Union[DeclaredEmission, _Mapping]]] = ...) -> None: ...

class Document(_message.Message):
    __slots__ = ("kind", "file_name", "sha256", "size_bytes", "media_type", "version", "add_time", "replace_time")
    KIND_FIELD_NUMBER: _ClassVar[int]
    FILE_NAME_FIELD_NUMBER: _ClassVar[int]
    SHA256_FIELD_NUMBER: _ClassVar[int]
    SIZE_BYTES_FIELD_NUMBER: _ClassVar[int]
    MEDIA_TYPE_FIELD_NUMBER: _ClassVar[int]
    VERSION_FIELD_NUMBER: _ClassVar[int]
    ADD_TIME_FIELD_NUMBER: _ClassVar[int]
    REPLACE_TIME_FIELD_NUMBER: _ClassVar[int]
    kind: DocumentKind
    file_name: str
    sha256: str
    size_bytes: int
    media_type: str
    version: int
    add_time: _timestamp_pb2.Timestamp
    replace_time: _timestamp_pb2.Timestamp
    def __init__(self, kind: _Optional[_Union[DocumentKind, str]] = ..., file_name: _Optional[str] = ..., sha256: _Optional[str] = ..., size_bytes: _Optional[int] = ..., media_type: _Optional[str] = ..., version: _Optional[int] = ..., add_time: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., replace_time: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ...) -> None: ...

class StoredDocument(_message.Message):
    __slots__ = ("name", "sha256", "size_bytes", "media_type", "file_name", "create_time")
    NAME_FIELD_NUMBER: _ClassVar[int]
    SHA256_FIELD_NUMBER: _ClassVar[int]
    SIZE_BYTES_FIELD_NUMBER: _ClassVar[int]
    MEDIA_TYPE_FIELD_NUMBER: _ClassVar[int]
    FILE_NAME_FIELD_NUMBER: _ClassVar[int]
    CREATE_TIME_FIELD_NUMBER: _ClassVar[int]
    name: str
    sha256: str
    size_bytes: int
    media_type: str
    file_name: str
    create_time: _timestamp_pb2.Timestamp
    def __init__(self, name: _Optional[str] = ..., sha256: _Optional[str] = ..., size_bytes: _Optional[int] = ..., media_type: _Optional[str] = ..., file_name: _Optional[str] = ..., create_time: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ...) -> None: ...

class Dossier(_message.Message):
    __slots__ = ("name", "read_time", "documents", "replaced")
    NAME_FIELD_NUMBER: _ClassVar[int]
    READ_TIME_FIELD_NUMBER: _ClassVar[int]
    DOCUMENTS_FIELD_NUMBER: _ClassVar[int]
    REPLACED_FIELD_NUMBER: _ClassVar[int]
    name: str
    read_time: _timestamp_pb2.Timestamp
    documents: _containers.RepeatedCompositeFieldContainer[Document]
    replaced: _containers.RepeatedCompositeFieldContainer[Document]
    def __init__(self, name: _Optional[str] = ..., read_time: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., documents: _Optional[_Iterable[_Union[Document, _Mapping]]] = ..., replaced: _Optional[_Iterable[_Union[Document, _Mapping]]] = ...) -> None: ...

class ProgrammeMilestone(_message.Message):
    __slots__ = ("description", "due_date", "source_id", "pollutant")
    DESCRIPTION_FIELD_NUMBER: _ClassVar[int]
    DUE_DATE_FIELD_NUMBER: _ClassVar[int]
    SOURCE_ID_FIELD_NUMBER: _ClassVar[int]
    POLLUTANT_FIELD_NUMBER: _ClassVar[int]
    description: str
    due_date: _date_pb2.Date
    source_id: str
    pollutant: _kazakhstan_pb2.Pollutant
    def __init__(self, description: _Optional[str] = ..., due_date: _Optional[_Union[_date_pb2.Date, _Mapping]] = ..., source_id: _Optional[str] = ..., pollutant: _Optional[_Union[_kazakhstan_pb2.Pollutant, str]] = ...) -> None: ...

class StageTransition(_message.Message):
    __slots__ = ("stage", "enter_time", "reason", "reason_key", "reason_values")
    class ReasonValuesEntry(_message.Message):
        __slots__ = ("key", "value")
        KEY_FIELD_NUMBER: _ClassVar[int]
        VALUE_FIELD_NUMBER: _ClassVar[int]
        key: str
        value: str
        def __init__(self, key: _Optional[str] = ..., value: _Optional[str] = ...) -> None: ...
    STAGE_FIELD_NUMBER: _ClassVar[int]
    ENTER_TIME_FIELD_NUMBER: _ClassVar[int]
    REASON_FIELD_NUMBER: _ClassVar[int]
    REASON_KEY_FIELD_NUMBER: _ClassVar[int]
    REASON_VALUES_FIELD_NUMBER: _ClassVar[int]
    stage: Stage
    enter_time: _timestamp_pb2.Timestamp
    reason: str
    reason_key: str
    reason_values: _containers.ScalarMap[str, str]
    def __init__(self, stage: _Optional[_Union[Stage, str]] = ..., enter_time: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., reason: _Optional[str] = ..., reason_key: _Optional[str] = ..., reason_values: _Optional[_Mapping[str, str]] = ...) -> None: ...

class OpenTask(_message.Message):
    __slots__ = ("task", "kind", "due_time")
    TASK_FIELD_NUMBER: _ClassVar[int]
    KIND_FIELD_NUMBER: _ClassVar[int]
    DUE_TIME_FIELD_NUMBER: _ClassVar[int]
    task: str
    kind: str
    due_time: _timestamp_pb2.Timestamp
    def __init__(self, task: _Optional[str] = ..., kind: _Optional[str] = ..., due_time: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ...) -> None: ...

class Deadline(_message.Message):
    __slots__ = ("stage", "due_time", "business_days", "paused")
    STAGE_FIELD_NUMBER: _ClassVar[int]
    DUE_TIME_FIELD_NUMBER: _ClassVar[int]
    BUSINESS_DAYS_FIELD_NUMBER: _ClassVar[int]
    PAUSED_FIELD_NUMBER: _ClassVar[int]
    stage: Stage
    due_time: _timestamp_pb2.Timestamp
    business_days: int
    paused: bool
    def __init__(self, stage: _Optional[_Union[Stage, str]] = ..., due_time: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., business_days: _Optional[int] = ..., paused: _Optional[bool] = ...) -> None: ...

class Application(_message.Message):
    __slots__ = ("name", "enterprise", "facility", "sector", "emission_sources", "documents", "efficiency_programme", "stage", "stage_history", "open_tasks", "deadlines", "rules_version", "permit", "create_time", "update_time", "predicted_decision_time", "transboundary_impact", "signatures")
    NAME_FIELD_NUMBER: _ClassVar[int]
    ENTERPRISE_FIELD_NUMBER: _ClassVar[int]
    FACILITY_FIELD_NUMBER: _ClassVar[int]
    SECTOR_FIELD_NUMBER: _ClassVar[int]
    EMISSION_SOURCES_FIELD_NUMBER: _ClassVar[int]
    DOCUMENTS_FIELD_NUMBER: _ClassVar[int]
    EFFICIENCY_PROGRAMME_FIELD_NUMBER: _ClassVar[int]
    STAGE_FIELD_NUMBER: _ClassVar[int]
    STAGE_HISTORY_FIELD_NUMBER: _ClassVar[int]
    OPEN_TASKS_FIELD_NUMBER: _ClassVar[int]
    DEADLINES_FIELD_NUMBER: _ClassVar[int]
    RULES_VERSION_FIELD_NUMBER: _ClassVar[int]
    PERMIT_FIELD_NUMBER: _ClassVar[int]
    CREATE_TIME_FIELD_NUMBER: _ClassVar[int]
    UPDATE_TIME_FIELD_NUMBER: _ClassVar[int]
    PREDICTED_DECISION_TIME_FIELD_NUMBER: _ClassVar[int]
    TRANSBOUNDARY_IMPACT_FIELD_NUMBER: _ClassVar[int]
    SIGNATURES_FIELD_NUMBER: _ClassVar[int]
    name: str
    enterprise: str
    facility: Facility
    sector: _kazakhstan_pb2.Sector
    emission_sources: _containers.RepeatedCompositeFieldContainer[EmissionSource]
    documents: _containers.RepeatedCompositeFieldContainer[Document]
    efficiency_programme: _containers.RepeatedCompositeFieldContainer[ProgrammeMilestone]
    stage: Stage
    stage_history: _containers.RepeatedCompositeFieldContainer[StageTransition]
    open_tasks: _containers.RepeatedCompositeFieldContainer[OpenTask]
    deadlines: _containers.RepeatedCompositeFieldContainer[Deadline]
    rules_version: str
    permit: str
    create_time: _timestamp_pb2.Timestamp
    update_time: _timestamp_pb2.Timestamp
    predicted_decision_time: _timestamp_pb2.Timestamp
    transboundary_impact: bool
    signatures: _containers.RepeatedCompositeFieldContainer[_signature_pb2.Signature]
    def __init__(self, name: _Optional[str] = ..., enterprise: _Optional[str] = ..., facility: _Optional[_Union[Facility, _Mapping]] = ..., sector: _Optional[_Union[_kazakhstan_pb2.Sector, str]] = ..., emission_sources: _Optional[_Iterable[_Union[EmissionSource, _Mapping]]] = ..., documents: _Optional[_Iterable[_Union[Document, _Mapping]]] = ..., efficiency_programme: _Optional[_Iterable[_Union[ProgrammeMilestone, _Mapping]]] = ..., stage: _Optional[_Union[Stage, str]] = ..., stage_history: _Optional[_Iterable[_Union[StageTransition, _Mapping]]] = ..., open_tasks: _Optional[_Iterable[_Union[OpenTask, _Mapping]]] = ..., deadlines: _Optional[_Iterable[_Union[Deadline, _Mapping]]] = ..., rules_version: _Optional[str] = ..., permit: _Optional[str] = ..., create_time: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., update_time: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., predicted_decision_time: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., transboundary_impact: _Optional[bool] = ..., signatures: _Optional[_Iterable[_Union[_signature_pb2.Signature, _Mapping]]] = ...) -> None: ...

class EmissionLimit(_message.Message):
    __slots__ = ("source_id", "pollutant", "limit_mg_nm3", "reference_oxygen_percent", "annual_tonnes", "derogation_reason", "basis", "interim_limit_mg_nm3", "step_down_date", "eu_benchmark_mg_nm3", "daily_limit_mg_nm3")
    SOURCE_ID_FIELD_NUMBER: _ClassVar[int]
    POLLUTANT_FIELD_NUMBER: _ClassVar[int]
    LIMIT_MG_NM3_FIELD_NUMBER: _ClassVar[int]
    REFERENCE_OXYGEN_PERCENT_FIELD_NUMBER: _ClassVar[int]
    ANNUAL_TONNES_FIELD_NUMBER: _ClassVar[int]
    DEROGATION_REASON_FIELD_NUMBER: _ClassVar[int]
    BASIS_FIELD_NUMBER: _ClassVar[int]
    INTERIM_LIMIT_MG_NM3_FIELD_NUMBER: _ClassVar[int]
    STEP_DOWN_DATE_FIELD_NUMBER: _ClassVar[int]
    EU_BENCHMARK_MG_NM3_FIELD_NUMBER: _ClassVar[int]
    DAILY_LIMIT_MG_NM3_FIELD_NUMBER: _ClassVar[int]
    source_id: str
    pollutant: _kazakhstan_pb2.Pollutant
    limit_mg_nm3: float
    reference_oxygen_percent: float
    annual_tonnes: float
    derogation_reason: str
    basis: _kazakhstan_pb2.LimitBasis
    interim_limit_mg_nm3: float
    step_down_date: _date_pb2.Date
    eu_benchmark_mg_nm3: float
    daily_limit_mg_nm3: float
    def __init__(self, source_id: _Optional[str] = ..., pollutant: _Optional[_Union[_kazakhstan_pb2.Pollutant, str]] = ..., limit_mg_nm3: _Optional[float] = ..., reference_oxygen_percent: _Optional[float] = ..., annual_tonnes: _Optional[float] = ..., derogation_reason: _Optional[str] = ..., basis: _Optional[_Union[_kazakhstan_pb2.LimitBasis, str]] = ..., interim_limit_mg_nm3: _Optional[float] = ..., step_down_date: _Optional[_Union[_date_pb2.Date, _Mapping]] = ..., eu_benchmark_mg_nm3: _Optional[float] = ..., daily_limit_mg_nm3: _Optional[float] = ...) -> None: ...

class Permit(_message.Message):
    __slots__ = ("name", "permit_number", "application", "enterprise", "issue_time", "conditions", "emission_limits", "efficiency_programme", "signed_by", "dossier", "certificate", "decision_signature")
    NAME_FIELD_NUMBER: _ClassVar[int]
    PERMIT_NUMBER_FIELD_NUMBER: _ClassVar[int]
    APPLICATION_FIELD_NUMBER: _ClassVar[int]
    ENTERPRISE_FIELD_NUMBER: _ClassVar[int]
    ISSUE_TIME_FIELD_NUMBER: _ClassVar[int]
    CONDITIONS_FIELD_NUMBER: _ClassVar[int]
    EMISSION_LIMITS_FIELD_NUMBER: _ClassVar[int]
    EFFICIENCY_PROGRAMME_FIELD_NUMBER: _ClassVar[int]
    SIGNED_BY_FIELD_NUMBER: _ClassVar[int]
    DOSSIER_FIELD_NUMBER: _ClassVar[int]
    CERTIFICATE_FIELD_NUMBER: _ClassVar[int]
    DECISION_SIGNATURE_FIELD_NUMBER: _ClassVar[int]
    name: str
    permit_number: str
    application: str
    enterprise: str
    issue_time: _timestamp_pb2.Timestamp
    conditions: _containers.RepeatedScalarFieldContainer[str]
    emission_limits: _containers.RepeatedCompositeFieldContainer[EmissionLimit]
    efficiency_programme: _containers.RepeatedCompositeFieldContainer[ProgrammeMilestone]
    signed_by: str
    dossier: _containers.RepeatedCompositeFieldContainer[Document]
    certificate: Document
    decision_signature: _signature_pb2.Signature
    def __init__(self, name: _Optional[str] = ..., permit_number: _Optional[str] = ..., application: _Optional[str] = ..., enterprise: _Optional[str] = ..., issue_time: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., conditions: _Optional[_Iterable[str]] = ..., emission_limits: _Optional[_Iterable[_Union[EmissionLimit, _Mapping]]] = ..., efficiency_programme: _Optional[_Iterable[_Union[ProgrammeMilestone, _Mapping]]] = ..., signed_by: _Optional[str] = ..., dossier: _Optional[_Iterable[_Union[Document, _Mapping]]] = ..., certificate: _Optional[_Union[Document, _Mapping]] = ..., decision_signature: _Optional[_Union[_signature_pb2.Signature, _Mapping]] = ...) -> None: ...
