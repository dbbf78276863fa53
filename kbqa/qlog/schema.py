"""Where the question log lives: its one table, the database `KBQA_LOG_DB` names, the salt for visitors.

One schema for SQLite and PostgreSQL (SQLAlchemy Core), created if missing. Feedback is kept
on the entry it rates, so a later vote replaces the earlier one by construction.
"""

from __future__ import annotations

import hmac
import os
import secrets
from datetime import datetime, timezone
from pathlib import Path

from sqlalchemy import (
    Boolean,
    Column,
    DateTime,
    Engine,
    Float,
    Integer,
    MetaData,
    String,
    Table,
    Text,
    create_engine,
    event,
)
from sqlalchemy.engine import URL, make_url
from sqlalchemy.exc import ArgumentError, SQLAlchemyError

from kbqa.settings import Settings, SettingsError

SQLITE_FILE = "questions.sqlite3"
SALT_FILE = "log-salt"
ACCEPTED = "empty (a SQLite file in KBQA_DATA_DIR), 'off', sqlite:///PATH or postgresql://USER:PASS@HOST:PORT/DB"

metadata = MetaData()
questions = Table(
    "kbqa_questions",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("answer_id", String(64), nullable=False, unique=True),
    Column("time", DateTime(timezone=True), nullable=False, index=True),
    Column("channel", String(8), nullable=False),
    Column("question", Text, nullable=False),
    Column("resolved_question", Text, nullable=False),
    Column("question_key", Text, nullable=False, index=True),  # what grouping compares (squash)
    Column("refused", Boolean, nullable=False),
    Column("reason", String(64), nullable=False),
    Column("unknown_terms", Text, nullable=False),  # JSON list
    Column("confidence", Float, nullable=False),
    Column("citations", Text, nullable=False),  # compact JSON: n, doc, section, path, chunk
    Column("answer", Text, nullable=False),
    Column("mode", String(16), nullable=False),
    Column("took_ms", Float, nullable=False),
    Column("visitor", String(64), nullable=False),  # salted hash of the address, never the address
    Column("vote", String(4)),
    Column("comment", Text),
    Column("voted_at", DateTime(timezone=True)),
)


def database_url(settings: Settings) -> URL | None:
    """The URL `KBQA_LOG_DB` names (None: logging is off); SettingsError if it is not one kbqa accepts."""
    given = settings.log_db.strip()
    if given.lower() == "off":
        return None
    if not given:
        return URL.create("sqlite", database=str(Path(settings.data_dir) / SQLITE_FILE))
    try:
        url = make_url(given)
    except ArgumentError:
        raise SettingsError(f"KBQA_LOG_DB must be {ACCEPTED}, got {given.split('://')[0]!r}") from None
    if url.drivername in ("postgresql", "postgres", "postgresql+psycopg"):
        return url.set(drivername="postgresql+psycopg")
    if url.drivername == "sqlite" and url.database not in (None, "", ":memory:"):
        return url
    raise SettingsError(f"KBQA_LOG_DB must be {ACCEPTED}, got {url.drivername}://…")


def shown(url: URL) -> str:
    """The URL fit for messages and logs: no password."""
    return url.render_as_string(hide_password=True)


def connect(url: URL) -> Engine:
    """An engine with the schema in place; ConnectionError naming the database if it cannot be reached."""
    if url.get_backend_name() == "sqlite":
        Path(url.database).expanduser().parent.mkdir(parents=True, exist_ok=True)
        engine = create_engine(url, connect_args={"timeout": 30})  # pysqlite's timeout is SQLite's busy timeout
        event.listen(engine, "connect", _sqlite_pragmas)
    else:
        engine = create_engine(url, pool_pre_ping=True)
    try:
        _create_schema(engine)
    except SQLAlchemyError as exc:
        engine.dispose()
        reason = str(getattr(exc, "orig", None) or exc).strip().splitlines()[0]
        raise ConnectionError(f"cannot open the question log {shown(url)}: {reason}") from None
    return engine


def _sqlite_pragmas(connection, _record) -> None:
    # WAL: readers never wait for the writer, and replicas on one machine can share the file.
    cursor = connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.close()


def _create_schema(engine: Engine) -> None:
    try:
        metadata.create_all(engine)
    except SQLAlchemyError:  # another replica created it at the same moment: it is there now
        metadata.create_all(engine)


def salt(settings: Settings) -> bytes:
    """`KBQA_LOG_SALT`, else the salt generated once and kept in the data folder."""
    if settings.log_salt:
        return settings.log_salt.encode()
    path = Path(settings.data_dir) / SALT_FILE
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        spare = path.with_name(f".{SALT_FILE}.{secrets.token_hex(4)}")
        fd = os.open(spare, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "w") as out:
            out.write(secrets.token_hex(32) + "\n")
        try:
            os.link(spare, path)  # atomic: of two processes starting at once, one salt wins
        except FileExistsError:
            pass
        finally:
            spare.unlink()
    return path.read_bytes().strip()


def visitor_hash(key: bytes, address: str) -> str:
    """The address as a salted hash, so one visitor's questions can be told apart but not traced."""
    return hmac.new(key, address.encode(), "sha256").hexdigest()[:32] if address else ""


def utc(moment: datetime) -> datetime:
    """A time read back from either database, as an aware UTC time (SQLite keeps no zone)."""
    return moment.replace(tzinfo=timezone.utc) if moment.tzinfo is None else moment.astimezone(timezone.utc)
