from ecopermit._vendor.buf.validate import validate_pb2 as _validate_pb2
from ecopermit.auth.v1 import access_pb2 as _access_pb2
from ecopermit.inspections.v1 import resources_pb2 as _resources_pb2
from ecopermit.type.v1 import kazakhstan_pb2 as _kazakhstan_pb2
from google.api import annotations_pb2 as _annotations_pb2
from google.api import field_behavior_pb2 as _field_behavior_pb2
from google.type import date_pb2 as _date_pb2
from google.protobuf.internal import containers as _containers
from google.protobuf import descriptor as _descriptor
from google.protobuf import message as _message
from collections.abc import Iterable as _Iterable, Mapping as _Mapping
from typing import ClassVar as _ClassVar, Optional as _Optional, Union as _Union

DESCRIPTOR: _descriptor.FileDescriptor

class ScheduleInspectionRequest(_message.Message):
    __slots__ = ("request_id", "enterprise", "application", "type", "scheduled_date", "inspector", "region", "appointment_act_number")
    REQUEST_ID_FIELD_NUMBER: _ClassVar[int]
    ENTERPRISE_FIELD_NUMBER: _ClassVar[int]
    APPLICATION_FIELD_NUMBER: _ClassVar[int]
    TYPE_FIELD_NUMBER: _ClassVar[int]
    SCHEDULED_DATE_FIELD_NUMBER: _ClassVar[int]
    INSPECTOR_FIELD_NUMBER: _ClassVar[int]
    REGION_FIELD_NUMBER: _ClassVar[int]
    APPOINTMENT_ACT_NUMBER_FIELD_NUMBER: _ClassVar[int]
    request_id: str
    enterprise: str
    application: str
    type: _resources_pb2.InspectionType
    scheduled_date: _date_pb2.Date
    inspector: str
    region: _kazakhstan_pb2.Region
    appointment_act_number: str
    def __init__(self, request_id: _Optional[str] = ..., enterprise: _Optional[str] = ..., application: _Optional[str] = ..., type: _Optional[_Union[_resources_pb2.InspectionType, str]] = ..., scheduled_date: _Optional[_Union[_date_pb2.Date, _Mapping]] = ..., inspector: _Optional[str] = ..., region: _Optional[_Union[_kazakhstan_pb2.Region, str]] = ..., appointment_act_number: _Optional[str] = ...) -> None: ...

class ScheduleInspectionResponse(_message.Message):
    __slots__ = ("inspection",)
    INSPECTION_FIELD_NUMBER: _ClassVar[int]
    inspection: _resources_pb2.Inspection
    def __init__(self, inspection: _Optional[_Union[_resources_pb2.Inspection, _Mapping]] = ...) -> None: ...

class GetInspectionRequest(_message.Message):
    __slots__ = ("name",)
    NAME_FIELD_NUMBER: _ClassVar[int]
    name: str
    def __init__(self, name: _Optional[str] = ...) -> None: ...

class GetInspectionResponse(_message.Message):
    __slots__ = ("inspection",)
    INSPECTION_FIELD_NUMBER: _ClassVar[int]
    inspection: _resources_pb2.Inspection
    def __init__(self, inspection: _Optional[_Union[_resources_pb2.Inspection, _Mapping]] = ...) -> None: ...

class ListInspectionsRequest(_message.Message):
    __slots__ = ("page_size", "page_token", "enterprise", "application", "state", "type", "inspector")
    PAGE_SIZE_FIELD_NUMBER: _ClassVar[int]
    PAGE_TOKEN_FIELD_NUMBER: _ClassVar[int]
    ENTERPRISE_FIELD_NUMBER: _ClassVar[int]
    APPLICATION_FIELD_NUMBER: _ClassVar[int]
    STATE_FIELD_NUMBER: _ClassVar[int]
    TYPE_FIELD_NUMBER: _ClassVar[int]
    INSPECTOR_FIELD_NUMBER: _ClassVar[int]
    page_size: int
    page_token: str
    enterprise: str
    application: str
    state: _resources_pb2.InspectionState
    type: _resources_pb2.InspectionType
    inspector: str
    def __init__(self, page_size: _Optional[int] = ..., page_token: _Optional[str] = ..., enterprise: _Optional[str] = ..., application: _Optional[str] = ..., state: _Optional[_Union[_resources_pb2.InspectionState, str]] = ..., type: _Optional[_Union[_resources_pb2.InspectionType, str]] = ..., inspector: _Optional[str] = ...) -> None: ...

class ListInspectionsResponse(_message.Message):
    __slots__ = ("inspections", "next_page_token")
    INSPECTIONS_FIELD_NUMBER: _ClassVar[int]
    NEXT_PAGE_TOKEN_FIELD_NUMBER: _ClassVar[int]
    inspections: _containers.RepeatedCompositeFieldContainer[_resources_pb2.Inspection]
    next_page_token: str
    def __init__(self, inspections: _Optional[_Iterable[_Union[_resources_pb2.Inspection, _Mapping]]] = ..., next_page_token: _Optional[str] = ...) -> None: ...

class RecordFindingsRequest(_message.Message):
    __slots__ = ("name", "checklist", "violations", "prescriptions")
    NAME_FIELD_NUMBER: _ClassVar[int]
    CHECKLIST_FIELD_NUMBER: _ClassVar[int]
    VIOLATIONS_FIELD_NUMBER: _ClassVar[int]
    PRESCRIPTIONS_FIELD_NUMBER: _ClassVar[int]
    name: str
    checklist: _containers.RepeatedCompositeFieldContainer[_resources_pb2.ChecklistItem]
    violations: _containers.RepeatedCompositeFieldContainer[_resources_pb2.Violation]
    prescriptions: _containers.RepeatedCompositeFieldContainer[_resources_pb2.Prescription]
    def __init__(self, name: _Optional[str] = ..., checklist: _Optional[_Iterable[_Union[_resources_pb2.ChecklistItem, _Mapping]]] = ..., violations: _Optional[_Iterable[_Union[_resources_pb2.Violation, _Mapping]]] = ..., prescriptions: _Optional[_Iterable[_Union[_resources_pb2.Prescription, _Mapping]]] = ...) -> None: ...

class RecordFindingsResponse(_message.Message):
    __slots__ = ("inspection",)
    INSPECTION_FIELD_NUMBER: _ClassVar[int]
    inspection: _resources_pb2.Inspection
    def __init__(self, inspection: _Optional[_Union[_resources_pb2.Inspection, _Mapping]] = ...) -> None: ...

class ResolvePrescriptionRequest(_message.Message):
    __slots__ = ("name", "evidence", "resolved_date")
    NAME_FIELD_NUMBER: _ClassVar[int]
    EVIDENCE_FIELD_NUMBER: _ClassVar[int]
    RESOLVED_DATE_FIELD_NUMBER: _ClassVar[int]
    name: str
    evidence: str
    resolved_date: _date_pb2.Date
    def __init__(self, name: _Optional[str] = ..., evidence: _Optional[str] = ..., resolved_date: _Optional[_Union[_date_pb2.Date, _Mapping]] = ...) -> None: ...

class ResolvePrescriptionResponse(_message.Message):
    __slots__ = ("prescription",)
    PRESCRIPTION_FIELD_NUMBER: _ClassVar[int]
    prescription: _resources_pb2.Prescription
    def __init__(self, prescription: _Optional[_Union[_resources_pb2.Prescription, _Mapping]] = ...) -> None: ...

class GetStatisticsRequest(_message.Message):
    __slots__ = ("start_date", "end_date", "region")
    START_DATE_FIELD_NUMBER: _ClassVar[int]
    END_DATE_FIELD_NUMBER: _ClassVar[int]
    REGION_FIELD_NUMBER: _ClassVar[int]
    start_date: _date_pb2.Date
    end_date: _date_pb2.Date
    region: _kazakhstan_pb2.Region
    def __init__(self, start_date: _Optional[_Union[_date_pb2.Date, _Mapping]] = ..., end_date: _Optional[_Union[_date_pb2.Date, _Mapping]] = ..., region: _Optional[_Union[_kazakhstan_pb2.Region, str]] = ...) -> None: ...

class GetStatisticsResponse(_message.Message):
    __slots__ = ("statistics",)
    STATISTICS_FIELD_NUMBER: _ClassVar[int]
    statistics: _resources_pb2.InspectionStatistics
    def __init__(self, statistics: _Optional[_Union[_resources_pb2.InspectionStatistics, _Mapping]] = ...) -> None: ...
