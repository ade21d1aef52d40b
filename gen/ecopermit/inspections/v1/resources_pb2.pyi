import datetime

from ecopermit._vendor.buf.validate import validate_pb2 as _validate_pb2
from ecopermit.type.v1 import kazakhstan_pb2 as _kazakhstan_pb2
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

class InspectionType(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    INSPECTION_TYPE_UNSPECIFIED: _ClassVar[InspectionType]
    INSPECTION_TYPE_SCHEDULED: _ClassVar[InspectionType]
    INSPECTION_TYPE_UNSCHEDULED: _ClassVar[InspectionType]
    INSPECTION_TYPE_PRE_PERMIT: _ClassVar[InspectionType]

class InspectionState(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    INSPECTION_STATE_UNSPECIFIED: _ClassVar[InspectionState]
    INSPECTION_STATE_SCHEDULED: _ClassVar[InspectionState]
    INSPECTION_STATE_COMPLETED: _ClassVar[InspectionState]
    INSPECTION_STATE_CANCELLED: _ClassVar[InspectionState]

class Severity(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    SEVERITY_UNSPECIFIED: _ClassVar[Severity]
    SEVERITY_MINOR: _ClassVar[Severity]
    SEVERITY_SIGNIFICANT: _ClassVar[Severity]
    SEVERITY_GRAVE: _ClassVar[Severity]

class ViolationCategory(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    VIOLATION_CATEGORY_UNSPECIFIED: _ClassVar[ViolationCategory]
    VIOLATION_CATEGORY_EMISSION_EXCEEDANCE: _ClassVar[ViolationCategory]
    VIOLATION_CATEGORY_NO_PERMIT: _ClassVar[ViolationCategory]
    VIOLATION_CATEGORY_PERMIT_CONDITIONS: _ClassVar[ViolationCategory]
    VIOLATION_CATEGORY_AUTOMATED_MONITORING: _ClassVar[ViolationCategory]
    VIOLATION_CATEGORY_WASTE: _ClassVar[ViolationCategory]
    VIOLATION_CATEGORY_WATER: _ClassVar[ViolationCategory]
    VIOLATION_CATEGORY_REPORTING: _ClassVar[ViolationCategory]
    VIOLATION_CATEGORY_ACCIDENT: _ClassVar[ViolationCategory]

class PrescriptionState(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    PRESCRIPTION_STATE_UNSPECIFIED: _ClassVar[PrescriptionState]
    PRESCRIPTION_STATE_OPEN: _ClassVar[PrescriptionState]
    PRESCRIPTION_STATE_RESOLVED: _ClassVar[PrescriptionState]
INSPECTION_TYPE_UNSPECIFIED: InspectionType
INSPECTION_TYPE_SCHEDULED: InspectionType
INSPECTION_TYPE_UNSCHEDULED: InspectionType
INSPECTION_TYPE_PRE_PERMIT: InspectionType
INSPECTION_STATE_UNSPECIFIED: InspectionState
INSPECTION_STATE_SCHEDULED: InspectionState
INSPECTION_STATE_COMPLETED: InspectionState
INSPECTION_STATE_CANCELLED: InspectionState
SEVERITY_UNSPECIFIED: Severity
SEVERITY_MINOR: Severity
SEVERITY_SIGNIFICANT: Severity
SEVERITY_GRAVE: Severity
VIOLATION_CATEGORY_UNSPECIFIED: ViolationCategory
VIOLATION_CATEGORY_EMISSION_EXCEEDANCE: ViolationCategory
VIOLATION_CATEGORY_NO_PERMIT: ViolationCategory
VIOLATION_CATEGORY_PERMIT_CONDITIONS: ViolationCategory
VIOLATION_CATEGORY_AUTOMATED_MONITORING: ViolationCategory
VIOLATION_CATEGORY_WASTE: ViolationCategory
VIOLATION_CATEGORY_WATER: ViolationCategory
VIOLATION_CATEGORY_REPORTING: ViolationCategory
VIOLATION_CATEGORY_ACCIDENT: ViolationCategory
PRESCRIPTION_STATE_UNSPECIFIED: PrescriptionState
PRESCRIPTION_STATE_OPEN: PrescriptionState
PRESCRIPTION_STATE_RESOLVED: PrescriptionState

class ChecklistItem(_message.Message):
    __slots__ = ("code", "description", "compliant", "note")
    CODE_FIELD_NUMBER: _ClassVar[int]
    DESCRIPTION_FIELD_NUMBER: _ClassVar[int]
    COMPLIANT_FIELD_NUMBER: _ClassVar[int]
    NOTE_FIELD_NUMBER: _ClassVar[int]
    code: str
    description: str
    compliant: bool
    note: str
    def __init__(self, code: _Optional[str] = ..., description: _Optional[str] = ..., compliant: _Optional[bool] = ..., note: _Optional[str] = ...) -> None: ...

class Violation(_message.Message):
    __slots__ = ("violation_id", "category", "breached_norm", "severity", "description")
    VIOLATION_ID_FIELD_NUMBER: _ClassVar[int]
    CATEGORY_FIELD_NUMBER: _ClassVar[int]
    BREACHED_NORM_FIELD_NUMBER: _ClassVar[int]
    SEVERITY_FIELD_NUMBER: _ClassVar[int]
    DESCRIPTION_FIELD_NUMBER: _ClassVar[int]
    violation_id: str
    category: ViolationCategory
    breached_norm: str
    severity: Severity
    description: str
    def __init__(self, violation_id: _Optional[str] = ..., category: _Optional[_Union[ViolationCategory, str]] = ..., breached_norm: _Optional[str] = ..., severity: _Optional[_Union[Severity, str]] = ..., description: _Optional[str] = ...) -> None: ...

class Prescription(_message.Message):
    __slots__ = ("name", "violation_id", "action", "due_date", "state", "resolved_date", "evidence", "overdue")
    NAME_FIELD_NUMBER: _ClassVar[int]
    VIOLATION_ID_FIELD_NUMBER: _ClassVar[int]
    ACTION_FIELD_NUMBER: _ClassVar[int]
    DUE_DATE_FIELD_NUMBER: _ClassVar[int]
    STATE_FIELD_NUMBER: _ClassVar[int]
    RESOLVED_DATE_FIELD_NUMBER: _ClassVar[int]
    EVIDENCE_FIELD_NUMBER: _ClassVar[int]
    OVERDUE_FIELD_NUMBER: _ClassVar[int]
    name: str
    violation_id: str
    action: str
    due_date: _date_pb2.Date
    state: PrescriptionState
    resolved_date: _date_pb2.Date
    evidence: str
    overdue: bool
    def __init__(self, name: _Optional[str] = ..., violation_id: _Optional[str] = ..., action: _Optional[str] = ..., due_date: _Optional[_Union[_date_pb2.Date, _Mapping]] = ..., state: _Optional[_Union[PrescriptionState, str]] = ..., resolved_date: _Optional[_Union[_date_pb2.Date, _Mapping]] = ..., evidence: _Optional[str] = ..., overdue: _Optional[bool] = ...) -> None: ...

class Inspection(_message.Message):
    __slots__ = ("name", "enterprise", "application", "type", "state", "scheduled_date", "inspector", "region", "appointment_act_number", "checklist", "violations", "prescriptions", "create_time", "record_time")
    NAME_FIELD_NUMBER: _ClassVar[int]
    ENTERPRISE_FIELD_NUMBER: _ClassVar[int]
    APPLICATION_FIELD_NUMBER: _ClassVar[int]
    TYPE_FIELD_NUMBER: _ClassVar[int]
    STATE_FIELD_NUMBER: _ClassVar[int]
    SCHEDULED_DATE_FIELD_NUMBER: _ClassVar[int]
    INSPECTOR_FIELD_NUMBER: _ClassVar[int]
    REGION_FIELD_NUMBER: _ClassVar[int]
    APPOINTMENT_ACT_NUMBER_FIELD_NUMBER: _ClassVar[int]
    CHECKLIST_FIELD_NUMBER: _ClassVar[int]
    VIOLATIONS_FIELD_NUMBER: _ClassVar[int]
    PRESCRIPTIONS_FIELD_NUMBER: _ClassVar[int]
    CREATE_TIME_FIELD_NUMBER: _ClassVar[int]
    RECORD_TIME_FIELD_NUMBER: _ClassVar[int]
    name: str
    enterprise: str
    application: str
    type: InspectionType
    state: InspectionState
    scheduled_date: _date_pb2.Date
    inspector: str
    region: _kazakhstan_pb2.Region
    appointment_act_number: str
    checklist: _containers.RepeatedCompositeFieldContainer[ChecklistItem]
    violations: _containers.RepeatedCompositeFieldContainer[Violation]
    prescriptions: _containers.RepeatedCompositeFieldContainer[Prescription]
    create_time: _timestamp_pb2.Timestamp
    record_time: _timestamp_pb2.Timestamp
    def __init__(self, name: _Optional[str] = ..., enterprise: _Optional[str] = ..., application: _Optional[str] = ..., type: _Optional[_Union[InspectionType, str]] = ..., state: _Optional[_Union[InspectionState, str]] = ..., scheduled_date: _Optional[_Union[_date_pb2.Date, _Mapping]] = ..., inspector: _Optional[str] = ..., region: _Optional[_Union[_kazakhstan_pb2.Region, str]] = ..., appointment_act_number: _Optional[str] = ..., checklist: _Optional[_Iterable[_Union[ChecklistItem, _Mapping]]] = ..., violations: _Optional[_Iterable[_Union[Violation, _Mapping]]] = ..., prescriptions: _Optional[_Iterable[_Union[Prescription, _Mapping]]] = ..., create_time: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., record_time: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ...) -> None: ...

class InspectionStatistics(_message.Message):
    __slots__ = ("inspections", "violations", "prescriptions", "prescriptions_resolved", "prescriptions_overdue", "grave_violations")
    INSPECTIONS_FIELD_NUMBER: _ClassVar[int]
    VIOLATIONS_FIELD_NUMBER: _ClassVar[int]
    PRESCRIPTIONS_FIELD_NUMBER: _ClassVar[int]
    PRESCRIPTIONS_RESOLVED_FIELD_NUMBER: _ClassVar[int]
    PRESCRIPTIONS_OVERDUE_FIELD_NUMBER: _ClassVar[int]
    GRAVE_VIOLATIONS_FIELD_NUMBER: _ClassVar[int]
    inspections: int
    violations: int
    prescriptions: int
    prescriptions_resolved: int
    prescriptions_overdue: int
    grave_violations: int
    def __init__(self, inspections: _Optional[int] = ..., violations: _Optional[int] = ..., prescriptions: _Optional[int] = ..., prescriptions_resolved: _Optional[int] = ..., prescriptions_overdue: _Optional[int] = ..., grave_violations: _Optional[int] = ...) -> None: ...
