"""MongoDB server errors, with the codes and code names ``mongod`` sends."""

from __future__ import annotations

import datetime
from typing import Any

from bson.objectid import ObjectId

# mongod's src/mongo/base/error_codes.yml, the subset the server sends. Use these names,
# never a bare number: a reader should see which error a command answers.
INTERNAL_ERROR = 1
BAD_VALUE = 2
FAILED_TO_PARSE = 9
UNAUTHORIZED = 13
TYPE_MISMATCH = 14
INVALID_LENGTH = 16
ILLEGAL_OPERATION = 20
NAMESPACE_NOT_FOUND = 26
INDEX_NOT_FOUND = 27
CONFLICTING_UPDATE_OPERATORS = 40
CURSOR_NOT_FOUND = 43
NO_MATCHING_DOCUMENT = 47
NAMESPACE_EXISTS = 48
DOLLAR_PREFIXED_FIELD_NAME = 52
INVALID_ID_FIELD = 53
COMMAND_NOT_FOUND = 59
IMMUTABLE_FIELD = 66
CANNOT_CREATE_INDEX = 67
INVALID_OPTIONS = 72
INVALID_NAMESPACE = 73
INDEX_OPTIONS_CONFLICT = 85
INDEX_KEY_SPECS_CONFLICT = 86
WRITE_CONFLICT = 112
COMMAND_NOT_SUPPORTED = 115
DOCUMENT_VALIDATION_FAILURE = 121
COMMAND_NOT_SUPPORTED_ON_VIEW = 166
INVALID_PIPELINE_OPERATOR = 168
INVALID_INDEX_SPECIFICATION_OPTION = 197
OPTION_NOT_SUPPORTED_ON_VIEW = 167
TRANSACTION_TOO_OLD = 225
CURSOR_KILLED = 237
NOT_IMPLEMENTED = 238
NO_SUCH_TRANSACTION = 251
TRANSACTION_COMMITTED = 256
INVALID_RESUME_TOKEN = 260
OPERATION_NOT_SUPPORTED_IN_TRANSACTION = 263
CHANGE_STREAM_FATAL_ERROR = 280
CHANGE_STREAM_HISTORY_LOST = 286
UNSUPPORTED_OP_QUERY_COMMAND = 352
BSON_OBJECT_TOO_LARGE = 10334
DUPLICATE_KEY = 11000
NOT_PRIMARY_OR_SECONDARY = 13436

CODE_NAMES: dict[int, str] = {
    INTERNAL_ERROR: "InternalError",
    BAD_VALUE: "BadValue",
    FAILED_TO_PARSE: "FailedToParse",
    UNAUTHORIZED: "Unauthorized",
    TYPE_MISMATCH: "TypeMismatch",
    INVALID_LENGTH: "InvalidLength",
    ILLEGAL_OPERATION: "IllegalOperation",
    NAMESPACE_NOT_FOUND: "NamespaceNotFound",
    INDEX_NOT_FOUND: "IndexNotFound",
    CONFLICTING_UPDATE_OPERATORS: "ConflictingUpdateOperators",
    CURSOR_NOT_FOUND: "CursorNotFound",
    NO_MATCHING_DOCUMENT: "NoMatchingDocument",
    NAMESPACE_EXISTS: "NamespaceExists",
    DOLLAR_PREFIXED_FIELD_NAME: "DollarPrefixedFieldName",
    INVALID_ID_FIELD: "InvalidIdField",
    COMMAND_NOT_FOUND: "CommandNotFound",
    IMMUTABLE_FIELD: "ImmutableField",
    CANNOT_CREATE_INDEX: "CannotCreateIndex",
    INVALID_OPTIONS: "InvalidOptions",
    INVALID_NAMESPACE: "InvalidNamespace",
    INDEX_OPTIONS_CONFLICT: "IndexOptionsConflict",
    INDEX_KEY_SPECS_CONFLICT: "IndexKeySpecsConflict",
    WRITE_CONFLICT: "WriteConflict",
    COMMAND_NOT_SUPPORTED: "CommandNotSupported",
    DOCUMENT_VALIDATION_FAILURE: "DocumentValidationFailure",
    COMMAND_NOT_SUPPORTED_ON_VIEW: "CommandNotSupportedOnView",
    INVALID_PIPELINE_OPERATOR: "InvalidPipelineOperator",
    INVALID_INDEX_SPECIFICATION_OPTION: "InvalidIndexSpecificationOption",
    OPTION_NOT_SUPPORTED_ON_VIEW: "OptionNotSupportedOnView",
    TRANSACTION_TOO_OLD: "TransactionTooOld",
    CURSOR_KILLED: "CursorKilled",
    NOT_IMPLEMENTED: "NotImplemented",
    NO_SUCH_TRANSACTION: "NoSuchTransaction",
    TRANSACTION_COMMITTED: "TransactionCommitted",
    INVALID_RESUME_TOKEN: "InvalidResumeToken",
    OPERATION_NOT_SUPPORTED_IN_TRANSACTION: "OperationNotSupportedInTransaction",
    CHANGE_STREAM_FATAL_ERROR: "ChangeStreamFatalError",
    CHANGE_STREAM_HISTORY_LOST: "ChangeStreamHistoryLost",
    UNSUPPORTED_OP_QUERY_COMMAND: "UnsupportedOpQueryCommand",
    BSON_OBJECT_TOO_LARGE: "BSONObjectTooLarge",
    DUPLICATE_KEY: "DuplicateKey",
    NOT_PRIMARY_OR_SECONDARY: "NotPrimaryOrSecondary",
}

# Codes the server sends whose codeName it reports as Location<code> (CODE_NAMES lacks
# them). Most are mongod's own Location codes, raised at one place in its source.
ILLEGAL_SORT_KEY = 15974
STAGE_NOT_ONE_FIELD = 40323
UNRECOGNIZED_STAGE = 40324
MISSING_FIELD = 40414
UNKNOWN_FIELD = 40415
NO_DB_ARGUMENT = 40571
OUT_NOT_LAST_STAGE = 40601
STAGE_NOT_FIRST = 40602
TWO_RESUME_OPTIONS = 40674
STAGE_NOT_A_DOCUMENT = 50808
TXN_NUMBER_REQUIRED = 50768
NEGATIVE_VALUE = 51024


class CommandError(Exception):
    """A command failed; becomes ``{ok: 0, errmsg, code, codeName}`` on the wire."""

    def __init__(
        self,
        code: int,
        errmsg: str,
        *,
        labels: tuple[str, ...] = (),
        **extra: Any,
    ) -> None:
        super().__init__(errmsg)
        self.code = code
        self.errmsg = errmsg
        self.labels = labels
        self.extra = extra

    @property
    def code_name(self) -> str:
        return CODE_NAMES.get(self.code, f"Location{self.code}")

    def reply(self) -> dict[str, Any]:
        """The command reply ``mongod`` sends for this error."""
        doc: dict[str, Any] = {
            "ok": 0.0,
            "errmsg": self.errmsg,
            "code": self.code,
            "codeName": self.code_name,
        }
        doc.update(self.extra)
        if self.labels:
            doc["errorLabels"] = list(self.labels)
        return doc

    def write_error(self, index: int) -> dict[str, Any]:
        """The ``writeErrors`` entry ``mongod`` reports for this error at ``index``."""
        doc: dict[str, Any] = {"index": index, "code": self.code, "errmsg": self.errmsg}
        doc.update(self.extra)
        return doc


def unknown_field(command: str, field: str) -> CommandError:
    """The IDL parser's error for a field a command does not define."""
    return CommandError(UNKNOWN_FIELD, f"BSON field '{command}.{field}' is an unknown field.")


def not_implemented(what: str) -> CommandError:
    """MongoDB supports ``what`` but the embedded server does not: say so, never guess."""
    return CommandError(
        NOT_IMPLEMENTED,
        f"{what} is not supported by the asynctestkit embedded MongoDB server; "
        "run the test against a real mongod (set MONGODB_URI) for this feature.",
    )


def mongod_repr(value: Any) -> str:
    """Format a value the way mongod prints it in error messages."""
    if isinstance(value, dict):
        if not value:
            return "{}"
        inner = ", ".join(f"{k}: {mongod_repr(v)}" for k, v in value.items())
        return "{ " + inner + " }"
    if isinstance(value, list):
        if not value:
            return "[]"
        return "[ " + ", ".join(mongod_repr(v) for v in value) + " ]"
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, str):
        return '"' + value.replace('"', '\\"') + '"'
    if isinstance(value, ObjectId):
        return f"ObjectId('{value}')"
    if isinstance(value, datetime.datetime):
        stamp = value if value.tzinfo else value.replace(tzinfo=datetime.timezone.utc)
        return f"new Date({int(stamp.timestamp() * 1000)})"
    if isinstance(value, float):
        return repr(value) if not value.is_integer() else str(int(value)) + ".0"
    if isinstance(value, bytes):
        return f"BinData(0, {value.hex().upper()})"
    return str(value)
