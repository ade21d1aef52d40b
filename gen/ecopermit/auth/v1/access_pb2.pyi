from google.protobuf import descriptor_pb2 as _descriptor_pb2
from google.protobuf.internal import containers as _containers
from google.protobuf.internal import enum_type_wrapper as _enum_type_wrapper
from google.protobuf import descriptor as _descriptor
from google.protobuf import message as _message
from collections.abc import Iterable as _Iterable
from typing import ClassVar as _ClassVar, Optional as _Optional, Union as _Union

DESCRIPTOR: _descriptor.FileDescriptor

class Role(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    ROLE_UNSPECIFIED: _ClassVar[Role]
    ROLE_APPLICANT: _ClassVar[Role]
    ROLE_REVIEWER: _ClassVar[Role]
    ROLE_BAT_EXPERT: _ClassVar[Role]
    ROLE_INSPECTOR: _ClassVar[Role]
    ROLE_DECISION_MAKER: _ClassVar[Role]
    ROLE_OPS: _ClassVar[Role]
    ROLE_PUBLIC: _ClassVar[Role]
    ROLE_WORKER: _ClassVar[Role]
    ROLE_HEAD_OF_DEPARTMENT: _ClassVar[Role]
ROLE_UNSPECIFIED: Role
ROLE_APPLICANT: Role
ROLE_REVIEWER: Role
ROLE_BAT_EXPERT: Role
ROLE_INSPECTOR: Role
ROLE_DECISION_MAKER: Role
ROLE_OPS: Role
ROLE_PUBLIC: Role
ROLE_WORKER: Role
ROLE_HEAD_OF_DEPARTMENT: Role
ACCESS_FIELD_NUMBER: _ClassVar[int]
access: _descriptor.FieldDescriptor

class AccessRule(_message.Message):
    __slots__ = ("roles", "anyone")
    ROLES_FIELD_NUMBER: _ClassVar[int]
    ANYONE_FIELD_NUMBER: _ClassVar[int]
    roles: _containers.RepeatedScalarFieldContainer[Role]
    anyone: bool
    def __init__(self, roles: _Optional[_Iterable[_Union[Role, str]]] = ..., anyone: _Optional[bool] = ...) -> None: ...
