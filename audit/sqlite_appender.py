"""Appending to the access log on an SQLite store from a worker thread, on one plain sqlite3
connection: a whole group commit (hash, insert, move the head, commit) is one hop off the event
loop and skips the per-statement machinery an async driver needs. Values are stored exactly as
SQLAlchemy stores them (its own bind processors), so every reader sees the same rows."""

from __future__ import annotations

import sqlite3
import threading
from typing import Any, cast

from sqlalchemy import Table
from sqlalchemy.dialects import sqlite as sqlite_dialect

from audit.chain import ChainConflict, Head, link
from store.audit_models import AuditChain, AuditRecord

_RECORDS = cast(Table, AuditRecord.__table__)
_CHAINS = cast(Table, AuditChain.__table__)
_DIALECT = sqlite_dialect.dialect()


class SqliteAppender:
    def __init__(self, path: str) -> None:
        self._path = path
        self._connection: sqlite3.Connection | None = None
        self._lock = threading.Lock()  # one group commit at a time, whatever thread runs it
        self._columns = [column.name for column in _RECORDS.columns if column.name != "id"]
        # The columns SQLAlchemy converts on the way in (the instant, the JSON lists): position,
        # and its converter.
        self._binds = [
            (index, bind)
            for index, name in enumerate(self._columns)
            if (bind := _RECORDS.c[name].type._cached_bind_processor(_DIALECT)) is not None
        ]
        placeholders = ", ".join("?" for _ in self._columns)
        self._insert = (
            f"INSERT INTO {_RECORDS.name} ({', '.join(self._columns)}) VALUES ({placeholders})"
        )
        self._move_head = (
            f"UPDATE {_CHAINS.name} SET head_seq = ?, head_hash = ? WHERE id = ? AND head_seq = ?"
        )

    def _open(self) -> sqlite3.Connection:
        if self._connection is None:
            connection = sqlite3.connect(
                self._path, timeout=30, isolation_level=None, check_same_thread=False
            )
            connection.execute("PRAGMA journal_mode=WAL")
            connection.execute("PRAGMA synchronous=NORMAL")
            self._connection = connection
        return self._connection

    def append(self, chain_id: str, head: Head, rows: list[dict[str, Any]]) -> Head:
        """Link `rows` after `head` and commit them with the new head; the new head."""
        values, new_head = self.prepare(chain_id, head, rows)
        self.commit(chain_id, head, new_head, values)
        return new_head

    def prepare(
        self, chain_id: str, head: Head, rows: list[dict[str, Any]]
    ) -> tuple[list[tuple[Any, ...]], Head]:
        """Pure computation: link and hash the rows, and bind them as SQLite stores them."""
        linked, new_head = link(chain_id, head, rows)
        # A batch repeats the same instant and the same few lists of datasets and fields:
        # each distinct value is converted once.
        converted: dict[tuple[int, Any], Any] = {}
        values = []
        for row in linked:
            item = [row[name] for name in self._columns]
            for index, bind in self._binds:
                value = item[index]
                key = (index, tuple(value) if isinstance(value, list) else value)
                if key not in converted:
                    converted[key] = bind(value)
                item[index] = converted[key]
            values.append(tuple(item))
        return values, new_head

    def commit(
        self, chain_id: str, head: Head, new_head: Head, values: list[tuple[Any, ...]]
    ) -> None:
        """The I/O: insert the prepared rows and move the head, in one transaction."""
        with self._lock:
            connection = self._open()
            connection.execute("BEGIN IMMEDIATE")
            try:
                connection.executemany(self._insert, values)
                moved = connection.execute(
                    self._move_head, (new_head.seq, new_head.hash, chain_id, head.seq)
                ).rowcount
                if moved != 1:
                    raise ChainConflict(f"audit chain {chain_id} head moved under this writer")
                connection.execute("COMMIT")
            except BaseException:
                connection.execute("ROLLBACK")
                raise

    def close(self) -> None:
        with self._lock:
            if self._connection is not None:
                self._connection.close()
                self._connection = None
