import datetime

from ecopermit._vendor.buf.validate import validate_pb2 as _validate_pb2
from ecopermit.applicants.v1 import resources_pb2 as _resources_pb2
from ecopermit.auth.v1 import access_pb2 as _access_pb2
from ecopermit.type.v1 import signature_pb2 as _signature_pb2
from google.api import field_behavior_pb2 as _field_behavior_pb2
from google.protobuf import timestamp_pb2 as _timestamp_pb2
from google.protobuf.internal import containers as _containers
from google.protobuf import descriptor as _descriptor
from google.protobuf import message as _message
from collections.abc import Iterable as _Iterable, Mapping as _Mapping
from typing import ClassVar as _ClassVar, Optional as _Optional, Union as _Union

DESCRIPTOR: _descriptor.FileDescriptor

class RecordStageTransitionRequest(_message.Message):
    __slots__ = ("name", "sequence", "stage", "reason", "open_tasks", "deadlines", "rules_version", "predicted_decision_time", "reason_key", "reason_values")
    class ReasonValuesEntry(_message.Message):
        __slots__ = ("key", "value")
        KEY_FIELD_NUMBER: _ClassVar[int]
        VALUE_FIELD_NUMBER: _ClassVar[int]
        key: str
        value: str
        def __init__(self, key: _Optional[str] = ..., value: _Optional[str] = ...) -> None: ...
    NAME_FIELD_NUMBER: _ClassVar[int]
    SEQUENCE_FIELD_NUMBER: _ClassVar[int]
    STAGE_FIELD_NUMBER: _ClassVar[int]
    REASON_FIELD_NUMBER: _ClassVar[int]
    OPEN_TASKS_FIELD_NUMBER: _ClassVar[int]
    DEADLINES_FIELD_NUMBER: _ClassVar[int]
    RULES_VERSION_FIELD_NUMBER: _ClassVar[int]
    PREDICTED_DECISION_TIME_FIELD_NUMBER: _ClassVar[int]
    REASON_KEY_FIELD_NUMBER: _ClassVar[int]
    REASON_VALUES_FIELD_NUMBER: _ClassVar[int]
    name: str
    sequence: int
    stage: _resources_pb2.Stage
    reason: str
    open_tasks: _containers.RepeatedCompositeFieldContainer[_resources_pb2.OpenTask]
    deadlines: _containers.RepeatedCompositeFieldContainer[_resources_pb2.Deadline]
    rules_version: str
    predicted_decision_time: _timestamp_pb2.Timestamp
    reason_key: str
    reason_values: _containers.ScalarMap[str, str]
    def __init__(self, name: _Optional[str] = ..., sequence: _Optional[int] = ..., stage: _Optional[_Union[_resources_pb2.Stage, str]] = ..., reason: _Optional[str] = ..., open_tasks: _Optional[_Iterable[_Union[_resources_pb2.OpenTask, _Mapping]]] = ..., deadlines: _Optional[_Iterable[_Union[_resources_pb2.Deadline, _Mapping]]] = ..., rules_version: _Optional[str] = ..., predicted_decision_time: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., reason_key: _Optional[str] = ..., reason_values: _Optional[_Mapping[str, str]] = ...) -> None: ...

class RecordStageTransitionResponse(_message.Message):
    __slots__ = ("application",)
    APPLICATION_FIELD_NUMBER: _ClassVar[int]
    application: _resources_pb2.Application
    def __init__(self, application: _Optional[_Union[_resources_pb2.Application, _Mapping]] = ...) -> None: ...

class IssuePermitRequest(_message.Message):
    __slots__ = ("application", "conditions", "emission_limits", "signed_by", "decision_signature")
    APPLICATION_FIELD_NUMBER: _ClassVar[int]
    CONDITIONS_FIELD_NUMBER: _ClassVar[int]
    EMISSION_LIMITS_FIELD_NUMBER: _ClassVar[int]
    SIGNED_BY_FIELD_NUMBER: _ClassVar[int]
    DECISION_SIGNATURE_FIELD_NUMBER: _ClassVar[int]
    application: str
    conditions: _containers.RepeatedScalarFieldContainer[str]
    emission_limits: _containers.RepeatedCompositeFieldContainer[_resources_pb2.EmissionLimit]
    signed_by: str
    decision_signature: _signature_pb2.Signature
    def __init__(self, application: _Optional[str] = ..., conditions: _Optional[_Iterable[str]] = ..., emission_limits: _Optional[_Iterable[_Union[_resources_pb2.EmissionLimit, _Mapping]]] = ..., signed_by: _Optional[str] = ..., decision_signature: _Optional[_Union[_signature_pb2.Signature, _Mapping]] = ...) -> None: ...

class IssuePermitResponse(_message.Message):
    __slots__ = ("permit",)
    PERMIT_FIELD_NUMBER: _ClassVar[int]
    permit: _resources_pb2.Permit
    def __init__(self, permit: _Optional[_Union[_resources_pb2.Permit, _Mapping]] = ...) -> None: ...
