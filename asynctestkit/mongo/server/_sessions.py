"""Logical sessions: retryable-write bookkeeping and the transaction state machine."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from asynctestkit.mongo.server._engine import Engine, Transaction
from asynctestkit.mongo.server._errors import (
    NO_SUCH_TRANSACTION,
    TRANSACTION_COMMITTED,
    TRANSACTION_TOO_OLD,
    CommandError,
)

_TRANSIENT = ("TransientTransactionError",)


@dataclass
class Session:
    """What the server remembers about one ``lsid``."""

    txn_number: int = -1
    txn: Transaction | None = None
    # "none", "in_progress", "committed" or "aborted", for txn_number.
    state: str = "none"
    # The reply of the last retryable write, replayed when the driver retries it.
    retry_reply: dict[str, Any] | None = field(default=None, repr=False)

    def _no_such_transaction(self, txn_number: int) -> CommandError:
        if txn_number == self.txn_number and self.state == "aborted":
            message = f"Transaction with {{ txnNumber: {txn_number} }} has been aborted."
        else:
            message = (
                f"Given transaction number {txn_number} does not match any in-progress "
                f"transactions. The active transaction number is {self.txn_number}"
            )
        return CommandError(NO_SUCH_TRANSACTION, message, labels=_TRANSIENT)

    def begin(self, engine: Engine, txn_number: int) -> Transaction:
        if txn_number < self.txn_number:
            raise CommandError(
                TRANSACTION_TOO_OLD,
                f"Cannot start transaction {txn_number} on session because a newer "
                f"transaction {self.txn_number} has already started.",
            )
        if txn_number == self.txn_number:
            raise CommandError(
                NO_SUCH_TRANSACTION,
                f"Given transaction number {txn_number} does not match any in-progress "
                f"transactions. The active transaction number is {self.txn_number}",
                labels=_TRANSIENT,
            )
        self.txn_number = txn_number
        self.txn = Transaction(engine, txn_number)
        self.state = "in_progress"
        self.retry_reply = None
        return self.txn

    def current(self, txn_number: int, command: str) -> Transaction | None:
        """The open transaction a command continues; None for a repeated commit."""
        if txn_number == self.txn_number and self.state == "committed":
            if command == "commitTransaction":
                return None
            raise CommandError(
                TRANSACTION_COMMITTED,
                f"Transaction with {{ txnNumber: {txn_number} }} has been committed.",
            )
        if txn_number != self.txn_number or self.state != "in_progress" or self.txn is None:
            raise self._no_such_transaction(txn_number)
        return self.txn

    def commit(self) -> None:
        assert self.txn is not None
        try:
            self.txn.commit()
        except CommandError:
            self.abort()
            raise
        self.txn = None
        self.state = "committed"

    def abort(self) -> None:
        self.txn = None
        self.state = "aborted"

    def start_retryable(self, txn_number: int) -> dict[str, Any] | None:
        """Record a retryable write; return the saved reply if it is a retry."""
        if txn_number == self.txn_number and self.state == "none":
            return self.retry_reply
        if txn_number < self.txn_number:
            raise CommandError(
                TRANSACTION_TOO_OLD,
                f"Retryable write with txnNumber {txn_number} is prohibited on session "
                f"because a newer retryable write with txnNumber {self.txn_number} has "
                "already started on this session.",
            )
        self.txn_number = txn_number
        self.txn = None
        self.state = "none"
        self.retry_reply = None
        return None
