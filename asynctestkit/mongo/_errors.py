"""MongoDB server errors, with the codes and code names ``mongod`` sends."""

from __future__ import annotations

from typing import Any

# The subset of mongod's src/mongo/base/error_codes.yml that the server sends.
CODE_NAMES: dict[int, str] = {
    1: "InternalError",
    2: "BadValue",
    9: "FailedToParse",
    13: "Unauthorized",
    14: "TypeMismatch",
    20: "IllegalOperation",
    26: "NamespaceNotFound",
    27: "IndexNotFound",
    40: "ConflictingUpdateOperators",
    43: "CursorNotFound",
    48: "NamespaceExists",
    52: "DollarPrefixedFieldName",
    59: "CommandNotFound",
    66: "ImmutableField",
    67: "CannotCreateIndex",
    72: "InvalidOptions",
    73: "InvalidNamespace",
    85: "IndexOptionsConflict",
    86: "IndexKeySpecsConflict",
    112: "WriteConflict",
    115: "CommandNotSupported",
    121: "DocumentValidationFailure",
    166: "CommandNotSupportedOnView",
    225: "TransactionTooOld",
    238: "NotImplemented",
    251: "NoSuchTransaction",
    256: "TransactionCommitted",
    263: "OperationNotSupportedInTransaction",
    352: "UnsupportedOpQueryCommand",
    10334: "BSONObjectTooLarge",
    11000: "DuplicateKey",
}


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
    return CommandError(40415, f"BSON field '{command}.{field}' is an unknown field.")


def not_implemented(what: str) -> CommandError:
    """MongoDB supports ``what`` but the embedded server does not: say so, never guess."""
    return CommandError(
        238,
        f"{what} is not supported by the asynctestkit embedded MongoDB server; "
        "run the test against a real mongod (set MONGODB_URI) for this feature.",
    )
