import datetime

from ecopermit._vendor.buf.validate import validate_pb2 as _validate_pb2
from ecopermit.applicants.v1 import resources_pb2 as _resources_pb2
from ecopermit.auth.v1 import access_pb2 as _access_pb2
from ecopermit.type.v1 import kazakhstan_pb2 as _kazakhstan_pb2
from ecopermit.type.v1 import signature_pb2 as _signature_pb2
from google.api import field_behavior_pb2 as _field_behavior_pb2
from google.api import resource_pb2 as _resource_pb2
from google.protobuf import timestamp_pb2 as _timestamp_pb2
from google.protobuf.internal import containers as _containers
from google.protobuf.internal import enum_type_wrapper as _enum_type_wrapper
from google.protobuf import descriptor as _descriptor
from google.protobuf import message as _message
from collections.abc import Iterable as _Iterable, Mapping as _Mapping
from typing import ClassVar as _ClassVar, Optional as _Optional, Union as _Union

DESCRIPTOR: _descriptor.FileDescriptor

class TaskKind(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    TASK_KIND_UNSPECIFIED: _ClassVar[TaskKind]
    TASK_KIND_COMPLETENESS: _ClassVar[TaskKind]
    TASK_KIND_TECHNICAL_AIR: _ClassVar[TaskKind]
    TASK_KIND_TECHNICAL_WATER: _ClassVar[TaskKind]
    TASK_KIND_TECHNICAL_WASTE: _ClassVar[TaskKind]
    TASK_KIND_STATE_EXPERTISE: _ClassVar[TaskKind]
    TASK_KIND_BAT_REVIEW: _ClassVar[TaskKind]
    TASK_KIND_COMMENT_DISPOSITION: _ClassVar[TaskKind]
    TASK_KIND_DECISION: _ClassVar[TaskKind]
    TASK_KIND_REFUSAL_HEARING: _ClassVar[TaskKind]
    TASK_KIND_ESCALATION: _ClassVar[TaskKind]
    TASK_KIND_HEARING_PROTOCOL: _ClassVar[TaskKind]
    TASK_KIND_REMARKS: _ClassVar[TaskKind]
    TASK_KIND_DISAGREEMENT: _ClassVar[TaskKind]
    TASK_KIND_TRANSBOUNDARY: _ClassVar[TaskKind]

class TaskState(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    TASK_STATE_UNSPECIFIED: _ClassVar[TaskState]
    TASK_STATE_OPEN: _ClassVar[TaskState]
    TASK_STATE_CLAIMED: _ClassVar[TaskState]
    TASK_STATE_COMPLETED: _ClassVar[TaskState]
    TASK_STATE_CANCELLED: _ClassVar[TaskState]

class TaskOutcome(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    TASK_OUTCOME_UNSPECIFIED: _ClassVar[TaskOutcome]
    TASK_OUTCOME_COMPLETE: _ClassVar[TaskOutcome]
    TASK_OUTCOME_INCOMPLETE: _ClassVar[TaskOutcome]
    TASK_OUTCOME_NO_OBJECTIONS: _ClassVar[TaskOutcome]
    TASK_OUTCOME_OBJECTIONS: _ClassVar[TaskOutcome]
    TASK_OUTCOME_POSITIVE_CONCLUSION: _ClassVar[TaskOutcome]
    TASK_OUTCOME_NEGATIVE_CONCLUSION: _ClassVar[TaskOutcome]
    TASK_OUTCOME_BAT_CONFIRMED: _ClassVar[TaskOutcome]
    TASK_OUTCOME_BAT_OVERRIDDEN: _ClassVar[TaskOutcome]
    TASK_OUTCOME_APPROVE: _ClassVar[TaskOutcome]
    TASK_OUTCOME_REFUSE: _ClassVar[TaskOutcome]
    TASK_OUTCOME_ACKNOWLEDGED: _ClassVar[TaskOutcome]
    TASK_OUTCOME_REMARKS_SENT: _ClassVar[TaskOutcome]
    TASK_OUTCOME_DRAFT_PERMIT_SENT: _ClassVar[TaskOutcome]
    TASK_OUTCOME_REMARKS_UPHELD: _ClassVar[TaskOutcome]
    TASK_OUTCOME_REMARKS_WITHDRAWN: _ClassVar[TaskOutcome]

class RefusalGround(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    REFUSAL_GROUND_UNSPECIFIED: _ClassVar[RefusalGround]
    REFUSAL_GROUND_INCOMPLETE_OR_FALSE_DOCUMENTS: _ClassVar[RefusalGround]
    REFUSAL_GROUND_NEGATIVE_STATE_EXPERTISE: _ClassVar[RefusalGround]
    REFUSAL_GROUND_STANDARDS_NOT_MEETING_BAT: _ClassVar[RefusalGround]
    REFUSAL_GROUND_MISSING_PROGRAMME: _ClassVar[RefusalGround]
    REFUSAL_GROUND_COURT_BAN: _ClassVar[RefusalGround]

class FindingSeverity(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    FINDING_SEVERITY_UNSPECIFIED: _ClassVar[FindingSeverity]
    FINDING_SEVERITY_INFO: _ClassVar[FindingSeverity]
    FINDING_SEVERITY_MINOR: _ClassVar[FindingSeverity]
    FINDING_SEVERITY_MAJOR: _ClassVar[FindingSeverity]

class BatVerdict(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    BAT_VERDICT_UNSPECIFIED: _ClassVar[BatVerdict]
    BAT_VERDICT_WITHIN_RANGE: _ClassVar[BatVerdict]
    BAT_VERDICT_ABOVE_UPPER_BOUND: _ClassVar[BatVerdict]
    BAT_VERDICT_BELOW_RANGE: _ClassVar[BatVerdict]
    BAT_VERDICT_NO_BAT_AEL: _ClassVar[BatVerdict]

class CommentDisposition(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    COMMENT_DISPOSITION_UNSPECIFIED: _ClassVar[CommentDisposition]
    COMMENT_DISPOSITION_ACCEPTED: _ClassVar[CommentDisposition]
    COMMENT_DISPOSITION_PARTLY_ACCEPTED: _ClassVar[CommentDisposition]
    COMMENT_DISPOSITION_REJECTED: _ClassVar[CommentDisposition]
    COMMENT_DISPOSITION_NOTED: _ClassVar[CommentDisposition]
TASK_KIND_UNSPECIFIED: TaskKind
TASK_KIND_COMPLETENESS: TaskKind
TASK_KIND_TECHNICAL_AIR: TaskKind
TASK_KIND_TECHNICAL_WATER: TaskKind
TASK_KIND_TECHNICAL_WASTE: TaskKind
TASK_KIND_STATE_EXPERTISE: TaskKind
TASK_KIND_BAT_REVIEW: TaskKind
TASK_KIND_COMMENT_DISPOSITION: TaskKind
TASK_KIND_DECISION: TaskKind
TASK_KIND_REFUSAL_HEARING: TaskKind
TASK_KIND_ESCALATION: TaskKind
TASK_KIND_HEARING_PROTOCOL: TaskKind
TASK_KIND_REMARKS: TaskKind
TASK_KIND_DISAGREEMENT: TaskKind
TASK_KIND_TRANSBOUNDARY: TaskKind
TASK_STATE_UNSPECIFIED: TaskState
TASK_STATE_OPEN: TaskState
TASK_STATE_CLAIMED: TaskState
TASK_STATE_COMPLETED: TaskState
TASK_STATE_CANCELLED: TaskState
TASK_OUTCOME_UNSPECIFIED: TaskOutcome
TASK_OUTCOME_COMPLETE: TaskOutcome
TASK_OUTCOME_INCOMPLETE: TaskOutcome
TASK_OUTCOME_NO_OBJECTIONS: TaskOutcome
TASK_OUTCOME_OBJECTIONS: TaskOutcome
TASK_OUTCOME_POSITIVE_CONCLUSION: TaskOutcome
TASK_OUTCOME_NEGATIVE_CONCLUSION: TaskOutcome
TASK_OUTCOME_BAT_CONFIRMED: TaskOutcome
TASK_OUTCOME_BAT_OVERRIDDEN: TaskOutcome
TASK_OUTCOME_APPROVE: TaskOutcome
TASK_OUTCOME_REFUSE: TaskOutcome
TASK_OUTCOME_ACKNOWLEDGED: TaskOutcome
TASK_OUTCOME_REMARKS_SENT: TaskOutcome
TASK_OUTCOME_DRAFT_PERMIT_SENT: TaskOutcome
TASK_OUTCOME_REMARKS_UPHELD: TaskOutcome
TASK_OUTCOME_REMARKS_WITHDRAWN: TaskOutcome
REFUSAL_GROUND_UNSPECIFIED: RefusalGround
REFUSAL_GROUND_INCOMPLETE_OR_FALSE_DOCUMENTS: RefusalGround
REFUSAL_GROUND_NEGATIVE_STATE_EXPERTISE: RefusalGround
REFUSAL_GROUND_STANDARDS_NOT_MEETING_BAT: RefusalGround
REFUSAL_GROUND_MISSING_PROGRAMME: RefusalGround
REFUSAL_GROUND_COURT_BAN: RefusalGround
FINDING_SEVERITY_UNSPECIFIED: FindingSeverity
FINDING_SEVERITY_INFO: FindingSeverity
FINDING_SEVERITY_MINOR: FindingSeverity
FINDING_SEVERITY_MAJOR: FindingSeverity
BAT_VERDICT_UNSPECIFIED: BatVerdict
BAT_VERDICT_WITHIN_RANGE: BatVerdict
BAT_VERDICT_ABOVE_UPPER_BOUND: BatVerdict
BAT_VERDICT_BELOW_RANGE: BatVerdict
BAT_VERDICT_NO_BAT_AEL: BatVerdict
COMMENT_DISPOSITION_UNSPECIFIED: CommentDisposition
COMMENT_DISPOSITION_ACCEPTED: CommentDisposition
COMMENT_DISPOSITION_PARTLY_ACCEPTED: CommentDisposition
COMMENT_DISPOSITION_REJECTED: CommentDisposition
COMMENT_DISPOSITION_NOTED: CommentDisposition

class Finding(_message.Message):
    __slots__ = ("subject", "text", "severity")
    SUBJECT_FIELD_NUMBER: _ClassVar[int]
    TEXT_FIELD_NUMBER: _ClassVar[int]
    SEVERITY_FIELD_NUMBER: _ClassVar[int]
    subject: str
    text: str
    severity: FindingSeverity
    def __init__(self, subject: _Optional[str] = ..., text: _Optional[str] = ..., severity: _Optional[_Union[FindingSeverity, str]] = ...) -> None: ...

class Task(_message.Message):
    __slots__ = ("name", "application", "kind", "required_role", "state", "assignee", "due_time", "create_time", "complete_time", "outcome", "comments", "findings", "instructions", "refusal_grounds", "allowed_outcomes", "signature", "subject", "claim_time")
    NAME_FIELD_NUMBER: _ClassVar[int]
    APPLICATION_FIELD_NUMBER: _ClassVar[int]
    KIND_FIELD_NUMBER: _ClassVar[int]
    REQUIRED_ROLE_FIELD_NUMBER: _ClassVar[int]
    STATE_FIELD_NUMBER: _ClassVar[int]
    ASSIGNEE_FIELD_NUMBER: _ClassVar[int]
    DUE_TIME_FIELD_NUMBER: _ClassVar[int]
    CREATE_TIME_FIELD_NUMBER: _ClassVar[int]
    COMPLETE_TIME_FIELD_NUMBER: _ClassVar[int]
    OUTCOME_FIELD_NUMBER: _ClassVar[int]
    COMMENTS_FIELD_NUMBER: _ClassVar[int]
    FINDINGS_FIELD_NUMBER: _ClassVar[int]
    INSTRUCTIONS_FIELD_NUMBER: _ClassVar[int]
    REFUSAL_GROUNDS_FIELD_NUMBER: _ClassVar[int]
    ALLOWED_OUTCOMES_FIELD_NUMBER: _ClassVar[int]
    SIGNATURE_FIELD_NUMBER: _ClassVar[int]
    SUBJECT_FIELD_NUMBER: _ClassVar[int]
    CLAIM_TIME_FIELD_NUMBER: _ClassVar[int]
    name: str
    application: str
    kind: TaskKind
    required_role: _access_pb2.Role
    state: TaskState
    assignee: str
    due_time: _timestamp_pb2.Timestamp
    create_time: _timestamp_pb2.Timestamp
    complete_time: _timestamp_pb2.Timestamp
    outcome: TaskOutcome
    comments: str
    findings: _containers.RepeatedCompositeFieldContainer[Finding]
    instructions: str
    refusal_grounds: _containers.RepeatedScalarFieldContainer[RefusalGround]
    allowed_outcomes: _containers.RepeatedScalarFieldContainer[TaskOutcome]
    signature: _signature_pb2.Signature
    subject: TaskSubject
    claim_time: _timestamp_pb2.Timestamp
    def __init__(self, name: _Optional[str] = ..., application: _Optional[str] = ..., kind: _Optional[_Union[TaskKind, str]] = ..., required_role: _Optional[_Union[_access_pb2.Role, str]] = ..., state: _Optional[_Union[TaskState, str]] = ..., assignee: _Optional[str] = ..., due_time: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., create_time: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., complete_time: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., outcome: _Optional[_Union[TaskOutcome, str]] = ..., comments: _Optional[str] = ..., findings: _Optional[_Iterable[_Union[Finding, _Mapping]]] = ..., instructions: _Optional[str] = ..., refusal_grounds: _Optional[_Iterable[_Union[RefusalGround, str]]] = ..., allowed_outcomes: _Optional[_Iterable[_Union[TaskOutcome, str]]] = ..., signature: _Optional[_Union[_signature_pb2.Signature, _Mapping]] = ..., subject: _Optional[_Union[TaskSubject, _Mapping]] = ..., claim_time: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ...) -> None: ...

class BatAssessmentRow(_message.Message):
    __slots__ = ("source_id", "source_type", "pollutant", "declared_mg_nm3", "declared_oxygen_percent", "normalised_mg_nm3", "reference_oxygen_percent", "bat_ael_low", "bat_ael_high", "unit", "averaging_period", "source_document", "confidence", "verdict", "expert_verdict", "expert_reason", "basis", "yearly_low", "yearly_high", "low_below")
    SOURCE_ID_FIELD_NUMBER: _ClassVar[int]
    SOURCE_TYPE_FIELD_NUMBER: _ClassVar[int]
    POLLUTANT_FIELD_NUMBER: _ClassVar[int]
    DECLARED_MG_NM3_FIELD_NUMBER: _ClassVar[int]
    DECLARED_OXYGEN_PERCENT_FIELD_NUMBER: _ClassVar[int]
    NORMALISED_MG_NM3_FIELD_NUMBER: _ClassVar[int]
    REFERENCE_OXYGEN_PERCENT_FIELD_NUMBER: _ClassVar[int]
    BAT_AEL_LOW_FIELD_NUMBER: _ClassVar[int]
    BAT_AEL_HIGH_FIELD_NUMBER: _ClassVar[int]
    UNIT_FIELD_NUMBER: _ClassVar[int]
    AVERAGING_PERIOD_FIELD_NUMBER: _ClassVar[int]
    SOURCE_DOCUMENT_FIELD_NUMBER: _ClassVar[int]
    CONFIDENCE_FIELD_NUMBER: _ClassVar[int]
    VERDICT_FIELD_NUMBER: _ClassVar[int]
    EXPERT_VERDICT_FIELD_NUMBER: _ClassVar[int]
    EXPERT_REASON_FIELD_NUMBER: _ClassVar[int]
    BASIS_FIELD_NUMBER: _ClassVar[int]
    YEARLY_LOW_FIELD_NUMBER: _ClassVar[int]
    YEARLY_HIGH_FIELD_NUMBER: _ClassVar[int]
    LOW_BELOW_FIELD_NUMBER: _ClassVar[int]
    source_id: str
    source_type: str
    pollutant: _kazakhstan_pb2.Pollutant
    declared_mg_nm3: float
    declared_oxygen_percent: float
    normalised_mg_nm3: float
    reference_oxygen_percent: float
    bat_ael_low: float
    bat_ael_high: float
    unit: str
    averaging_period: str
    source_document: str
    confidence: str
    verdict: BatVerdict
    expert_verdict: BatVerdict
    expert_reason: str
    basis: _kazakhstan_pb2.BatBasis
    yearly_low: float
    yearly_high: float
    low_below: bool
    def __init__(self, source_id: _Optional[str] = ..., source_type: _Optional[str] = ..., pollutant: _Optional[_Union[_kazakhstan_pb2.Pollutant, str]] = ..., declared_mg_nm3: _Optional[float] = ..., declared_oxygen_percent: _Optional[float] = ..., normalised_mg_nm3: _Optional[float] = ..., reference_oxygen_percent: _Optional[float] = ..., bat_ael_low: _Optional[float] = ..., bat_ael_high: _Optional[float] = ..., unit: _Optional[str] = ..., averaging_period: _Optional[str] = ..., source_document: _Optional[str] = ..., confidence: _Optional[str] = ..., verdict: _Optional[_Union[BatVerdict, str]] = ..., expert_verdict: _Optional[_Union[BatVerdict, str]] = ..., expert_reason: _Optional[str] = ..., basis: _Optional[_Union[_kazakhstan_pb2.BatBasis, str]] = ..., yearly_low: _Optional[float] = ..., yearly_high: _Optional[float] = ..., low_below: _Optional[bool] = ...) -> None: ...

class BatAssessment(_message.Message):
    __slots__ = ("name", "application", "rows", "programme_required", "reviewed", "catalogue_version", "create_time", "enterprise")
    NAME_FIELD_NUMBER: _ClassVar[int]
    APPLICATION_FIELD_NUMBER: _ClassVar[int]
    ROWS_FIELD_NUMBER: _ClassVar[int]
    PROGRAMME_REQUIRED_FIELD_NUMBER: _ClassVar[int]
    REVIEWED_FIELD_NUMBER: _ClassVar[int]
    CATALOGUE_VERSION_FIELD_NUMBER: _ClassVar[int]
    CREATE_TIME_FIELD_NUMBER: _ClassVar[int]
    ENTERPRISE_FIELD_NUMBER: _ClassVar[int]
    name: str
    application: str
    rows: _containers.RepeatedCompositeFieldContainer[BatAssessmentRow]
    programme_required: bool
    reviewed: bool
    catalogue_version: str
    create_time: _timestamp_pb2.Timestamp
    enterprise: str
    def __init__(self, name: _Optional[str] = ..., application: _Optional[str] = ..., rows: _Optional[_Iterable[_Union[BatAssessmentRow, _Mapping]]] = ..., programme_required: _Optional[bool] = ..., reviewed: _Optional[bool] = ..., catalogue_version: _Optional[str] = ..., create_time: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., enterprise: _Optional[str] = ...) -> None: ...

class PublicComment(_message.Message):
    __slots__ = ("name", "author_display_name", "text", "disposition", "disposition_reason", "create_time", "author_contact")
    NAME_FIELD_NUMBER: _ClassVar[int]
    AUTHOR_DISPLAY_NAME_FIELD_NUMBER: _ClassVar[int]
    TEXT_FIELD_NUMBER: _ClassVar[int]
    DISPOSITION_FIELD_NUMBER: _ClassVar[int]
    DISPOSITION_REASON_FIELD_NUMBER: _ClassVar[int]
    CREATE_TIME_FIELD_NUMBER: _ClassVar[int]
    AUTHOR_CONTACT_FIELD_NUMBER: _ClassVar[int]
    name: str
    author_display_name: str
    text: str
    disposition: CommentDisposition
    disposition_reason: str
    create_time: _timestamp_pb2.Timestamp
    author_contact: str
    def __init__(self, name: _Optional[str] = ..., author_display_name: _Optional[str] = ..., text: _Optional[str] = ..., disposition: _Optional[_Union[CommentDisposition, str]] = ..., disposition_reason: _Optional[str] = ..., create_time: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., author_contact: _Optional[str] = ...) -> None: ...

class TaskSubject(_message.Message):
    __slots__ = ("enterprise", "enterprise_display_name", "facility_display_name", "region", "sector", "application_stage")
    ENTERPRISE_FIELD_NUMBER: _ClassVar[int]
    ENTERPRISE_DISPLAY_NAME_FIELD_NUMBER: _ClassVar[int]
    FACILITY_DISPLAY_NAME_FIELD_NUMBER: _ClassVar[int]
    REGION_FIELD_NUMBER: _ClassVar[int]
    SECTOR_FIELD_NUMBER: _ClassVar[int]
    APPLICATION_STAGE_FIELD_NUMBER: _ClassVar[int]
    enterprise: str
    enterprise_display_name: str
    facility_display_name: str
    region: _kazakhstan_pb2.Region
    sector: _kazakhstan_pb2.Sector
    application_stage: _resources_pb2.Stage
    def __init__(self, enterprise: _Optional[str] = ..., enterprise_display_name: _Optional[str] = ..., facility_display_name: _Optional[str] = ..., region: _Optional[_Union[_kazakhstan_pb2.Region, str]] = ..., sector: _Optional[_Union[_kazakhstan_pb2.Sector, str]] = ..., application_stage: _Optional[_Union[_resources_pb2.Stage, str]] = ...) -> None: ...
