import datetime

from ecopermit._vendor.buf.validate import validate_pb2 as _validate_pb2
from ecopermit.auth.v1 import access_pb2 as _access_pb2
from ecopermit.reviews.v1 import resources_pb2 as _resources_pb2
from google.api import field_behavior_pb2 as _field_behavior_pb2
from google.protobuf import timestamp_pb2 as _timestamp_pb2
from google.protobuf.internal import containers as _containers
from google.protobuf import descriptor as _descriptor
from google.protobuf import message as _message
from collections.abc import Iterable as _Iterable, Mapping as _Mapping
from typing import ClassVar as _ClassVar, Optional as _Optional, Union as _Union

DESCRIPTOR: _descriptor.FileDescriptor

class CreateTaskRequest(_message.Message):
    __slots__ = ("task_id", "application", "kind", "due_time", "instructions", "allowed_outcomes", "subject")
    TASK_ID_FIELD_NUMBER: _ClassVar[int]
    APPLICATION_FIELD_NUMBER: _ClassVar[int]
    KIND_FIELD_NUMBER: _ClassVar[int]
    DUE_TIME_FIELD_NUMBER: _ClassVar[int]
    INSTRUCTIONS_FIELD_NUMBER: _ClassVar[int]
    ALLOWED_OUTCOMES_FIELD_NUMBER: _ClassVar[int]
    SUBJECT_FIELD_NUMBER: _ClassVar[int]
    task_id: str
    application: str
    kind: _resources_pb2.TaskKind
    due_time: _timestamp_pb2.Timestamp
    instructions: str
    allowed_outcomes: _containers.RepeatedScalarFieldContainer[_resources_pb2.TaskOutcome]
    subject: _resources_pb2.TaskSubject
    def __init__(self, task_id: _Optional[str] = ..., application: _Optional[str] = ..., kind: _Optional[_Union[_resources_pb2.TaskKind, str]] = ..., due_time: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., instructions: _Optional[str] = ..., allowed_outcomes: _Optional[_Iterable[_Union[_resources_pb2.TaskOutcome, str]]] = ..., subject: _Optional[_Union[_resources_pb2.TaskSubject, _Mapping]] = ...) -> None: ...

class CreateTaskResponse(_message.Message):
    __slots__ = ("task",)
    TASK_FIELD_NUMBER: _ClassVar[int]
    task: _resources_pb2.Task
    def __init__(self, task: _Optional[_Union[_resources_pb2.Task, _Mapping]] = ...) -> None: ...

class CancelTaskRequest(_message.Message):
    __slots__ = ("name", "reason")
    NAME_FIELD_NUMBER: _ClassVar[int]
    REASON_FIELD_NUMBER: _ClassVar[int]
    name: str
    reason: str
    def __init__(self, name: _Optional[str] = ..., reason: _Optional[str] = ...) -> None: ...

class CancelTaskResponse(_message.Message):
    __slots__ = ("task",)
    TASK_FIELD_NUMBER: _ClassVar[int]
    task: _resources_pb2.Task
    def __init__(self, task: _Optional[_Union[_resources_pb2.Task, _Mapping]] = ...) -> None: ...

class RecordBatAssessmentRequest(_message.Message):
    __slots__ = ("bat_assessment",)
    BAT_ASSESSMENT_FIELD_NUMBER: _ClassVar[int]
    bat_assessment: _resources_pb2.BatAssessment
    def __init__(self, bat_assessment: _Optional[_Union[_resources_pb2.BatAssessment, _Mapping]] = ...) -> None: ...

class RecordBatAssessmentResponse(_message.Message):
    __slots__ = ("bat_assessment",)
    BAT_ASSESSMENT_FIELD_NUMBER: _ClassVar[int]
    bat_assessment: _resources_pb2.BatAssessment
    def __init__(self, bat_assessment: _Optional[_Union[_resources_pb2.BatAssessment, _Mapping]] = ...) -> None: ...

class OpenPublicConsultationRequest(_message.Message):
    __slots__ = ("application", "close_time")
    APPLICATION_FIELD_NUMBER: _ClassVar[int]
    CLOSE_TIME_FIELD_NUMBER: _ClassVar[int]
    application: str
    close_time: _timestamp_pb2.Timestamp
    def __init__(self, application: _Optional[str] = ..., close_time: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ...) -> None: ...

class OpenPublicConsultationResponse(_message.Message):
    __slots__ = ("application", "close_time")
    APPLICATION_FIELD_NUMBER: _ClassVar[int]
    CLOSE_TIME_FIELD_NUMBER: _ClassVar[int]
    application: str
    close_time: _timestamp_pb2.Timestamp
    def __init__(self, application: _Optional[str] = ..., close_time: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ...) -> None: ...
