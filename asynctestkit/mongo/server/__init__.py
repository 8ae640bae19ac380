"""The embedded MongoDB server, one module per concern (see docs/contributing.md).

- ``_server``: :class:`EmbeddedMongoServer`, the socket, its thread and event loop.
- ``_wire``: wire framing (OP_MSG, the legacy OP_QUERY handshake, OP_REPLY).
- ``_backend``: the server's state and dispatch (sessions, transactions, retryable writes).
- ``_registry``: the command registry (``@command``) and a command's ``Context``.
- ``_sessions``, ``_cursors``: logical sessions and server-side cursors.
- ``_engine``: the engine adapter, the only module that touches mongomock-ng's internals.
- ``_errors``: mongod's error codes as named constants, and ``CommandError``.
- ``_args``: helpers the commands share (argument checks, filters, hints).
- commands by concern: ``_info`` (handshake, server information), ``_catalog`` (databases,
  collections), ``_reads``, ``_writes``, ``_aggregation``, ``_indexes``, ``_snapshots``
  (the toolkit's own per-test snapshot and restore), ``_text`` (``$text`` search).

Importing this package imports nothing: pymongo and the engine load with ``_server``.
"""

__all__: list[str] = []
