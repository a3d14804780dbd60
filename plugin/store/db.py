"""SQLite access: one aiosqlite connection in WAL mode, serialized writes, a migration runner."""

from __future__ import annotations

import asyncio
import logging
import re
import sqlite3
import time
from collections.abc import AsyncIterator, Coroutine, Iterable, Sequence
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any, TypeVar

import aiosqlite

from plugin.errors import StoryError
from plugin.paths import MIGRATIONS_DIR

log = logging.getLogger(__name__)
T = TypeVar("T")
_MIGRATION_NAME = re.compile(r"^(\d{4})_[\w-]+\.sql$")
BUSY_RETRIES = 3
BUSY_TIMEOUT_MS = 2000  # how long one write waits for another process's lock (before a retry)
# What one bad row raises: text that cannot be encoded, a value SQLite cannot hold, a broken constraint.
ROW_ERRORS = (UnicodeEncodeError, OverflowError, sqlite3.IntegrityError, sqlite3.InterfaceError,
              sqlite3.ProgrammingError)


class MigrationError(StoryError):
    """A migration file is malformed or failed to apply."""

    code = "migration_failed"


class Database:
    """The product's one SQLite connection; writes go through `transaction()` one at a time."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self._conn: aiosqlite.Connection | None = None
        self._write_lock = asyncio.Lock()
        self._inflight: set[asyncio.Task[Any]] = set()  # shielded writes still running

    @property
    def conn(self) -> aiosqlite.Connection:
        """The open connection (raises if closed)."""
        if self._conn is None:
            raise StoryError("database is not open")
        return self._conn

    async def open(self) -> None:
        """Open the file, switch to WAL and enable foreign keys."""
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self._conn = await aiosqlite.connect(self.path, isolation_level=None)
        self._conn.row_factory = sqlite3.Row
        for pragma in ("journal_mode=WAL", "synchronous=NORMAL", "foreign_keys=ON", f"busy_timeout={BUSY_TIMEOUT_MS}"):
            await self._conn.execute(f"PRAGMA {pragma}")

    async def close(self) -> None:
        """Wait for writes in flight (a cancelled caller's write still finishes), then close."""
        if self._inflight:
            await asyncio.gather(*self._inflight, return_exceptions=True)
        if self._conn is not None:
            await self._conn.close()
            self._conn = None

    @asynccontextmanager
    async def transaction(self) -> AsyncIterator[aiosqlite.Connection]:
        """A serialized write transaction (BEGIN IMMEDIATE ... COMMIT, rolled back on any error).

        aiosqlite runs statements on its own thread, so a statement whose awaiting task is
        cancelled still runs; rolling back whatever happened keeps the shared connection usable.
        """
        async with self._write_lock:
            try:
                await self._begin()
                yield self.conn
                await self.conn.execute("COMMIT")
            except BaseException:
                await self._rollback()
                raise

    async def _rollback(self) -> None:
        """ROLLBACK if a transaction is open (queued after any statement still running)."""
        try:
            await self.conn.execute("ROLLBACK")
        except sqlite3.OperationalError:
            pass  # no transaction was open: the failure came before BEGIN or after COMMIT

    async def _begin(self) -> None:
        """BEGIN IMMEDIATE, retried a few times if another process holds the write lock."""
        for attempt in range(BUSY_RETRIES):
            try:
                await self.conn.execute("BEGIN IMMEDIATE")
                return
            except sqlite3.OperationalError as exc:
                if "locked" not in str(exc) and "busy" not in str(exc) or attempt == BUSY_RETRIES - 1:
                    raise
                await asyncio.sleep(0.05 * 2**attempt)

    async def execute(self, sql: str, params: Sequence[Any] = ()) -> int:
        """Run one write statement in its own transaction; returns lastrowid. Finishes even if cancelled."""
        return await self._shielded(self._execute(sql, params))

    async def _execute(self, sql: str, params: Sequence[Any]) -> int:
        """execute() without the shield."""
        async with self.transaction() as conn:
            cursor = await conn.execute(sql, params)
            return cursor.lastrowid or 0

    async def executemany(self, sql: str, rows: Iterable[Sequence[Any]]) -> None:
        """Run one write statement for many rows in one transaction. Finishes even if cancelled."""
        await self._shielded(self._executemany(sql, list(rows)))

    async def write_rows(self, sql: str, rows: Sequence[Sequence[Any]]) -> list[tuple[Sequence[Any], str]]:
        """Write many rows; a row the database cannot take (text it cannot encode, a broken constraint) is
        left out and returned with the reason, and the others are saved. Finishes even if cancelled.
        A failure of the database itself (locked, disk full) still raises: every row is kept for a retry."""
        try:
            await self._shielded(self._executemany(sql, list(rows)))
            return []
        except ROW_ERRORS:
            return await self._shielded(self._rows_one_by_one(sql, rows))

    async def _rows_one_by_one(self, sql: str, rows: Sequence[Sequence[Any]]) -> list[tuple[Sequence[Any], str]]:
        """write_rows() after the batch failed: each row on its own, in one transaction."""
        rejected: list[tuple[Sequence[Any], str]] = []
        async with self.transaction() as conn:
            for row in rows:
                try:
                    await conn.execute(sql, row)
                except ROW_ERRORS as exc:  # SQLite undoes just this statement; the transaction goes on
                    rejected.append((row, f"{type(exc).__name__}: {exc}"))
        return rejected

    async def _shielded(self, write: Coroutine[Any, Any, T]) -> T:
        """Run a write to completion even if the caller is cancelled; close() waits for it."""
        task = asyncio.ensure_future(write)
        self._inflight.add(task)
        task.add_done_callback(self._inflight.discard)
        return await asyncio.shield(task)

    async def _executemany(self, sql: str, rows: list[Sequence[Any]]) -> None:
        """executemany() without the shield."""
        async with self.transaction() as conn:
            await conn.executemany(sql, rows)

    async def fetchall(self, sql: str, params: Sequence[Any] = ()) -> list[sqlite3.Row]:
        """Rows of a query."""
        async with self.conn.execute(sql, params) as cursor:
            return list(await cursor.fetchall())

    async def fetchone(self, sql: str, params: Sequence[Any] = ()) -> sqlite3.Row | None:
        """The first row of a query, or None."""
        async with self.conn.execute(sql, params) as cursor:
            return await cursor.fetchone()

    async def migrate(self, folder: Path = MIGRATIONS_DIR) -> list[str]:
        """Apply every migration not yet recorded, in order; returns the names applied."""
        await self.conn.execute(
            "CREATE TABLE IF NOT EXISTS schema_migrations "
            "(version INTEGER PRIMARY KEY, name TEXT NOT NULL, applied_at REAL NOT NULL)"
        )
        done = {row["version"] for row in await self.fetchall("SELECT version FROM schema_migrations")}
        applied: list[str] = []
        for version, path in _migration_files(folder):
            if version in done:
                continue
            script = path.read_text(encoding="utf-8")
            async with self._write_lock:
                try:
                    await self.conn.executescript(
                        f"BEGIN IMMEDIATE;\n{script}\n;INSERT INTO schema_migrations VALUES "
                        f"({version}, '{path.name}', {time.time()});\nCOMMIT;"
                    )
                except sqlite3.Error as exc:
                    if self.conn.in_transaction:
                        await self.conn.execute("ROLLBACK")
                    raise MigrationError(f"{path.name}: {exc}") from None
            applied.append(path.name)
            log.info("applied migration %s", path.name)
        return applied


def _migration_files(folder: Path) -> list[tuple[int, Path]]:
    """Migration files sorted by their 4-digit prefix; a duplicate number is an error."""
    found: dict[int, Path] = {}
    for path in sorted(folder.glob("*.sql")):
        match = _MIGRATION_NAME.match(path.name)
        if not match:
            raise MigrationError(f"{path.name}: migration names look like 0001_description.sql")
        version = int(match.group(1))
        if version in found:
            raise MigrationError(f"{path.name}: migration number {version} is used twice")
        found[version] = path
    return sorted(found.items())
