import datetime

from google.api import field_behavior_pb2 as _field_behavior_pb2
from google.protobuf import timestamp_pb2 as _timestamp_pb2
from google.protobuf import descriptor as _descriptor
from google.protobuf import message as _message
from collections.abc import Mapping as _Mapping
from typing import ClassVar as _ClassVar, Optional as _Optional, Union as _Union

DESCRIPTOR: _descriptor.FileDescriptor

class Signature(_message.Message):
    __slots__ = ("purpose", "signer_name", "signer_iin", "signer_bin", "sign_time", "statement_sha256", "certificate_serial")
    PURPOSE_FIELD_NUMBER: _ClassVar[int]
    SIGNER_NAME_FIELD_NUMBER: _ClassVar[int]
    SIGNER_IIN_FIELD_NUMBER: _ClassVar[int]
    SIGNER_BIN_FIELD_NUMBER: _ClassVar[int]
    SIGN_TIME_FIELD_NUMBER: _ClassVar[int]
    STATEMENT_SHA256_FIELD_NUMBER: _ClassVar[int]
    CERTIFICATE_SERIAL_FIELD_NUMBER: _ClassVar[int]
    purpose: str
    signer_name: str
    signer_iin: str
    signer_bin: str
    sign_time: _timestamp_pb2.Timestamp
    statement_sha256: str
    certificate_serial: str
    def __init__(self, purpose: _Optional[str] = ..., signer_name: _Optional[str] = ..., signer_iin: _Optional[str] = ..., signer_bin: _Optional[str] = ..., sign_time: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., statement_sha256: _Optional[str] = ..., certificate_serial: _Optional[str] = ...) -> None: ...
