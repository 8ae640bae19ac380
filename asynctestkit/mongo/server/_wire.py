"""MongoDB wire protocol framing: OP_MSG, the legacy OP_QUERY handshake and OP_REPLY."""

from __future__ import annotations

import itertools
import struct
from dataclasses import dataclass
from typing import Any

import bson
from bson.codec_options import CodecOptions, DatetimeConversion

OP_REPLY = 1
OP_QUERY = 2004
OP_COMPRESSED = 2012
OP_MSG = 2013

CHECKSUM_PRESENT = 1 << 0
MORE_TO_COME = 1 << 1
EXHAUST_ALLOWED = 1 << 16
_KNOWN_FLAGS = CHECKSUM_PRESENT | MORE_TO_COME | EXHAUST_ALLOWED

HEADER = struct.Struct("<iiii")
MAX_MESSAGE_SIZE = 48_000_000
# mongod's BSONObjMaxInternalSize: 16 MiB for the user's document plus room for the command.
MAX_DOCUMENT_SIZE = 16 * 1024 * 1024 + 16 * 1024
_INT32 = struct.Struct("<i")
_UINT32 = struct.Struct("<I")
_OP_QUERY_FIXED = struct.Struct("<ii")
_OP_REPLY_FIXED = struct.Struct("<iqii")

# Dates outside datetime's range decode to DatetimeMS instead of failing the message.
CODEC_OPTIONS: CodecOptions[dict[str, Any]] = CodecOptions(
    datetime_conversion=DatetimeConversion.DATETIME_AUTO
)

_request_ids = itertools.count(1)


class ProtocolError(Exception):
    """The peer sent bytes that are not a MongoDB message; the connection is closed."""


class DocumentTooLarge(Exception):
    """A well-framed message holds a document mongod would refuse; answered with an error."""

    def __init__(self, request_id: int, op_code: int, size: int) -> None:
        super().__init__(
            f"BSONObj size: {size} (0x{size:X}) is invalid. "
            f"Size must be between 0 and {MAX_DOCUMENT_SIZE}(16MB)"
        )
        self.request = Request(request_id, op_code, {})


@dataclass
class Request:
    """One decoded command message."""

    request_id: int
    op_code: int
    body: dict[str, Any]
    more_to_come: bool = False
    # OP_QUERY only: the collection the legacy query was sent to.
    legacy_namespace: str | None = None


def parse(message: memoryview) -> Request:
    """Decode a whole message (header included) into a command body."""
    _length, request_id, _response_to, op_code = HEADER.unpack_from(message)
    if op_code == OP_MSG:
        return _parse_op_msg(message, request_id)
    if op_code == OP_QUERY:
        return _parse_op_query(message, request_id)
    raise ProtocolError(f"unsupported opCode {op_code}")


def _decode(data: memoryview) -> dict[str, Any]:
    return bson.decode(data, CODEC_OPTIONS)


def _parse_op_msg(message: memoryview, request_id: int) -> Request:
    (flags,) = _UINT32.unpack_from(message, 16)
    if flags & 0xFFFF & ~_KNOWN_FLAGS:
        # Unknown "required" bits (0-15) must make the server reject the message.
        raise ProtocolError(f"unknown required OP_MSG flag bits {flags:#x}")
    end = len(message) - 4 if flags & CHECKSUM_PRESENT else len(message)
    pos = 20
    body: dict[str, Any] | None = None
    sequences: dict[str, list[dict[str, Any]]] = {}
    while pos < end:
        kind = message[pos]
        pos += 1
        (size,) = _INT32.unpack_from(message, pos)
        if size < 5 or pos + size > end:
            raise ProtocolError("OP_MSG section overruns the message")
        if kind == 0 and size > MAX_DOCUMENT_SIZE:
            raise DocumentTooLarge(request_id, OP_MSG, size)
        if kind == 0:
            if body is not None:
                raise ProtocolError("OP_MSG has more than one body section")
            body = _decode(message[pos : pos + size])
        elif kind == 1:
            section_end = pos + size
            cursor = pos + 4
            name_end = bytes(message[cursor:section_end]).index(b"\x00") + cursor
            identifier = bytes(message[cursor:name_end]).decode()
            cursor = name_end + 1
            docs = sequences.setdefault(identifier, [])
            while cursor < section_end:
                (doc_size,) = _INT32.unpack_from(message, cursor)
                if doc_size > MAX_DOCUMENT_SIZE:
                    raise DocumentTooLarge(request_id, OP_MSG, doc_size)
                docs.append(_decode(message[cursor : cursor + doc_size]))
                cursor += doc_size
        else:
            raise ProtocolError(f"unknown OP_MSG section kind {kind}")
        pos += size
    if body is None:
        raise ProtocolError("OP_MSG has no body section")
    for identifier, docs in sequences.items():
        if identifier in body:
            raise ProtocolError(f"OP_MSG field {identifier!r} is both in the body and a sequence")
        body[identifier] = docs
    return Request(request_id, OP_MSG, body, more_to_come=bool(flags & MORE_TO_COME))


def _parse_op_query(message: memoryview, request_id: int) -> Request:
    pos = 20
    name_end = bytes(message[pos:]).index(b"\x00") + pos
    namespace = bytes(message[pos:name_end]).decode()
    pos = name_end + 1 + _OP_QUERY_FIXED.size
    (size,) = _INT32.unpack_from(message, pos)
    query = _decode(message[pos : pos + size])
    # Drivers wrap commands sent with a read preference as {$query: {...}}.
    if "$query" in query:
        query = query["$query"]
    return Request(request_id, OP_QUERY, query, legacy_namespace=namespace)


def encode_reply(request: Request, reply: dict[str, Any]) -> bytes:
    """Encode ``reply`` in the reply format matching ``request``'s opCode."""
    payload = bson.encode(reply)
    if request.op_code == OP_QUERY:
        body = _OP_REPLY_FIXED.pack(0, 0, 0, 1) + payload
        op_code = OP_REPLY
    else:
        body = b"\x00\x00\x00\x00\x00" + payload
        op_code = OP_MSG
    header = HEADER.pack(16 + len(body), next(_request_ids), request.request_id, op_code)
    return header + body
