from ecopermit._vendor.buf.validate import validate_pb2 as _validate_pb2
from ecopermit.auth.v1 import access_pb2 as _access_pb2
from ecopermit.reviews.v1 import resources_pb2 as _resources_pb2
from ecopermit.type.v1 import kazakhstan_pb2 as _kazakhstan_pb2
from google.api import annotations_pb2 as _annotations_pb2
from google.api import field_behavior_pb2 as _field_behavior_pb2
from google.protobuf.internal import containers as _containers
from google.protobuf import descriptor as _descriptor
from google.protobuf import message as _message
from collections.abc import Iterable as _Iterable, Mapping as _Mapping
from typing import ClassVar as _ClassVar, Optional as _Optional, Union as _Union

DESCRIPTOR: _descriptor.FileDescriptor

class ListTasksRequest(_message.Message):
    __slots__ = ("page_size", "page_token", "role", "assignee", "state", "application", "region", "kind", "overdue_only", "order_by")
    PAGE_SIZE_FIELD_NUMBER: _ClassVar[int]
    PAGE_TOKEN_FIELD_NUMBER: _ClassVar[int]
    ROLE_FIELD_NUMBER: _ClassVar[int]
    ASSIGNEE_FIELD_NUMBER: _ClassVar[int]
    STATE_FIELD_NUMBER: _ClassVar[int]
    APPLICATION_FIELD_NUMBER: _ClassVar[int]
    REGION_FIELD_NUMBER: _ClassVar[int]
    KIND_FIELD_NUMBER: _ClassVar[int]
    OVERDUE_ONLY_FIELD_NUMBER: _ClassVar[int]
    ORDER_BY_FIELD_NUMBER: _ClassVar[int]
    page_size: int
    page_token: str
    role: _access_pb2.Role
    assignee: str
    state: _resources_pb2.TaskState
    application: str
    region: _kazakhstan_pb2.Region
    kind: _resources_pb2.TaskKind
    overdue_only: bool
    order_by: str
    def __init__(self, page_size: _Optional[int] = ..., page_token: _Optional[str] = ..., role: _Optional[_Union[_access_pb2.Role, str]] = ..., assignee: _Optional[str] = ..., state: _Optional[_Union[_resources_pb2.TaskState, str]] = ..., application: _Optional[str] = ..., region: _Optional[_Union[_kazakhstan_pb2.Region, str]] = ..., kind: _Optional[_Union[_resources_pb2.TaskKind, str]] = ..., overdue_only: _Optional[bool] = ..., order_by: _Optional[str] = ...) -> None: ...

class ListTasksResponse(_message.Message):
    __slots__ = ("tasks", "next_page_token")
    TASKS_FIELD_NUMBER: _ClassVar[int]
    NEXT_PAGE_TOKEN_FIELD_NUMBER: _ClassVar[int]
    tasks: _containers.RepeatedCompositeFieldContainer[_resources_pb2.Task]
    next_page_token: str
    def __init__(self, tasks: _Optional[_Iterable[_Union[_resources_pb2.Task, _Mapping]]] = ..., next_page_token: _Optional[str] = ...) -> None: ...

class GetTaskRequest(_message.Message):
    __slots__ = ("name",)
    NAME_FIELD_NUMBER: _ClassVar[int]
    name: str
    def __init__(self, name: _Optional[str] = ...) -> None: ...

class GetTaskResponse(_message.Message):
    __slots__ = ("task",)
    TASK_FIELD_NUMBER: _ClassVar[int]
    task: _resources_pb2.Task
    def __init__(self, task: _Optional[_Union[_resources_pb2.Task, _Mapping]] = ...) -> None: ...

class ClaimTaskRequest(_message.Message):
    __slots__ = ("name",)
    NAME_FIELD_NUMBER: _ClassVar[int]
    name: str
    def __init__(self, name: _Optional[str] = ...) -> None: ...

class ClaimTaskResponse(_message.Message):
    __slots__ = ("task",)
    TASK_FIELD_NUMBER: _ClassVar[int]
    task: _resources_pb2.Task
    def __init__(self, task: _Optional[_Union[_resources_pb2.Task, _Mapping]] = ...) -> None: ...

class BatVerdictReview(_message.Message):
    __slots__ = ("source_id", "pollutant", "verdict", "reason")
    SOURCE_ID_FIELD_NUMBER: _ClassVar[int]
    POLLUTANT_FIELD_NUMBER: _ClassVar[int]
    VERDICT_FIELD_NUMBER: _ClassVar[int]
    REASON_FIELD_NUMBER: _ClassVar[int]
    source_id: str
    pollutant: _kazakhstan_pb2.Pollutant
    verdict: _resources_pb2.BatVerdict
    reason: str
    def __init__(self, source_id: _Optional[str] = ..., pollutant: _Optional[_Union[_kazakhstan_pb2.Pollutant, str]] = ..., verdict: _Optional[_Union[_resources_pb2.BatVerdict, str]] = ..., reason: _Optional[str] = ...) -> None: ...

class CommentDispositionEntry(_message.Message):
    __slots__ = ("public_comment", "disposition", "reason")
    PUBLIC_COMMENT_FIELD_NUMBER: _ClassVar[int]
    DISPOSITION_FIELD_NUMBER: _ClassVar[int]
    REASON_FIELD_NUMBER: _ClassVar[int]
    public_comment: str
    disposition: _resources_pb2.CommentDisposition
    reason: str
    def __init__(self, public_comment: _Optional[str] = ..., disposition: _Optional[_Union[_resources_pb2.CommentDisposition, str]] = ..., reason: _Optional[str] = ...) -> None: ...

class CompleteTaskRequest(_message.Message):
    __slots__ = ("name", "outcome", "comments", "findings", "bat_reviews", "comment_dispositions", "refusal_grounds", "signature")
    NAME_FIELD_NUMBER: _ClassVar[int]
    OUTCOME_FIELD_NUMBER: _ClassVar[int]
    COMMENTS_FIELD_NUMBER: _ClassVar[int]
    FINDINGS_FIELD_NUMBER: _ClassVar[int]
    BAT_REVIEWS_FIELD_NUMBER: _ClassVar[int]
    COMMENT_DISPOSITIONS_FIELD_NUMBER: _ClassVar[int]
    REFUSAL_GROUNDS_FIELD_NUMBER: _ClassVar[int]
    SIGNATURE_FIELD_NUMBER: _ClassVar[int]
    name: str
    outcome: _resources_pb2.TaskOutcome
    comments: str
    findings: _containers.RepeatedCompositeFieldContainer[_resources_pb2.Finding]
    bat_reviews: _containers.RepeatedCompositeFieldContainer[BatVerdictReview]
    comment_dispositions: _containers.RepeatedCompositeFieldContainer[CommentDispositionEntry]
    refusal_grounds: _containers.RepeatedScalarFieldContainer[_resources_pb2.RefusalGround]
    signature: bytes
    def __init__(self, name: _Optional[str] = ..., outcome: _Optional[_Union[_resources_pb2.TaskOutcome, str]] = ..., comments: _Optional[str] = ..., findings: _Optional[_Iterable[_Union[_resources_pb2.Finding, _Mapping]]] = ..., bat_reviews: _Optional[_Iterable[_Union[BatVerdictReview, _Mapping]]] = ..., comment_dispositions: _Optional[_Iterable[_Union[CommentDispositionEntry, _Mapping]]] = ..., refusal_grounds: _Optional[_Iterable[_Union[_resources_pb2.RefusalGround, str]]] = ..., signature: _Optional[bytes] = ...) -> None: ...

class CompleteTaskResponse(_message.Message):
    __slots__ = ("task",)
    TASK_FIELD_NUMBER: _ClassVar[int]
    task: _resources_pb2.Task
    def __init__(self, task: _Optional[_Union[_resources_pb2.Task, _Mapping]] = ...) -> None: ...

class GetBatAssessmentRequest(_message.Message):
    __slots__ = ("name",)
    NAME_FIELD_NUMBER: _ClassVar[int]
    name: str
    def __init__(self, name: _Optional[str] = ...) -> None: ...

class GetBatAssessmentResponse(_message.Message):
    __slots__ = ("bat_assessment",)
    BAT_ASSESSMENT_FIELD_NUMBER: _ClassVar[int]
    bat_assessment: _resources_pb2.BatAssessment
    def __init__(self, bat_assessment: _Optional[_Union[_resources_pb2.BatAssessment, _Mapping]] = ...) -> None: ...

class SubmitPublicCommentRequest(_message.Message):
    __slots__ = ("parent", "public_comment", "request_id")
    PARENT_FIELD_NUMBER: _ClassVar[int]
    PUBLIC_COMMENT_FIELD_NUMBER: _ClassVar[int]
    REQUEST_ID_FIELD_NUMBER: _ClassVar[int]
    parent: str
    public_comment: _resources_pb2.PublicComment
    request_id: str
    def __init__(self, parent: _Optional[str] = ..., public_comment: _Optional[_Union[_resources_pb2.PublicComment, _Mapping]] = ..., request_id: _Optional[str] = ...) -> None: ...

class SubmitPublicCommentResponse(_message.Message):
    __slots__ = ("public_comment",)
    PUBLIC_COMMENT_FIELD_NUMBER: _ClassVar[int]
    public_comment: _resources_pb2.PublicComment
    def __init__(self, public_comment: _Optional[_Union[_resources_pb2.PublicComment, _Mapping]] = ...) -> None: ...

class ListPublicCommentsRequest(_message.Message):
    __slots__ = ("parent", "page_size", "page_token")
    PARENT_FIELD_NUMBER: _ClassVar[int]
    PAGE_SIZE_FIELD_NUMBER: _ClassVar[int]
    PAGE_TOKEN_FIELD_NUMBER: _ClassVar[int]
    parent: str
    page_size: int
    page_token: str
    def __init__(self, parent: _Optional[str] = ..., page_size: _Optional[int] = ..., page_token: _Optional[str] = ...) -> None: ...

class ListPublicCommentsResponse(_message.Message):
    __slots__ = ("public_comments", "next_page_token")
    PUBLIC_COMMENTS_FIELD_NUMBER: _ClassVar[int]
    NEXT_PAGE_TOKEN_FIELD_NUMBER: _ClassVar[int]
    public_comments: _containers.RepeatedCompositeFieldContainer[_resources_pb2.PublicComment]
    next_page_token: str
    def __init__(self, public_comments: _Optional[_Iterable[_Union[_resources_pb2.PublicComment, _Mapping]]] = ..., next_page_token: _Optional[str] = ...) -> None: ...

class AssignTaskRequest(_message.Message):
    __slots__ = ("name", "assignee")
    NAME_FIELD_NUMBER: _ClassVar[int]
    ASSIGNEE_FIELD_NUMBER: _ClassVar[int]
    name: str
    assignee: str
    def __init__(self, name: _Optional[str] = ..., assignee: _Optional[str] = ...) -> None: ...

class AssignTaskResponse(_message.Message):
    __slots__ = ("task",)
    TASK_FIELD_NUMBER: _ClassVar[int]
    task: _resources_pb2.Task
    def __init__(self, task: _Optional[_Union[_resources_pb2.Task, _Mapping]] = ...) -> None: ...

class ReleaseTaskRequest(_message.Message):
    __slots__ = ("name",)
    NAME_FIELD_NUMBER: _ClassVar[int]
    name: str
    def __init__(self, name: _Optional[str] = ...) -> None: ...

class ReleaseTaskResponse(_message.Message):
    __slots__ = ("task",)
    TASK_FIELD_NUMBER: _ClassVar[int]
    task: _resources_pb2.Task
    def __init__(self, task: _Optional[_Union[_resources_pb2.Task, _Mapping]] = ...) -> None: ...

class GetTaskStatisticsRequest(_message.Message):
    __slots__ = ("idle_after_days",)
    IDLE_AFTER_DAYS_FIELD_NUMBER: _ClassVar[int]
    idle_after_days: int
    def __init__(self, idle_after_days: _Optional[int] = ...) -> None: ...

class GetTaskStatisticsResponse(_message.Message):
    __slots__ = ("by_kind", "idle")
    BY_KIND_FIELD_NUMBER: _ClassVar[int]
    IDLE_FIELD_NUMBER: _ClassVar[int]
    by_kind: _containers.RepeatedCompositeFieldContainer[TaskKindCount]
    idle: _containers.RepeatedCompositeFieldContainer[_resources_pb2.Task]
    def __init__(self, by_kind: _Optional[_Iterable[_Union[TaskKindCount, _Mapping]]] = ..., idle: _Optional[_Iterable[_Union[_resources_pb2.Task, _Mapping]]] = ...) -> None: ...

class TaskKindCount(_message.Message):
    __slots__ = ("kind", "open", "claimed", "overdue")
    KIND_FIELD_NUMBER: _ClassVar[int]
    OPEN_FIELD_NUMBER: _ClassVar[int]
    CLAIMED_FIELD_NUMBER: _ClassVar[int]
    OVERDUE_FIELD_NUMBER: _ClassVar[int]
    kind: _resources_pb2.TaskKind
    open: int
    claimed: int
    overdue: int
    def __init__(self, kind: _Optional[_Union[_resources_pb2.TaskKind, str]] = ..., open: _Optional[int] = ..., claimed: _Optional[int] = ..., overdue: _Optional[int] = ...) -> None: ...
