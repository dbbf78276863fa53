"""The question log and feedback store (kbqa.qlog) on SQLite and on a real PostgreSQL server, and `kbqa log`."""

from __future__ import annotations

import hashlib
import hmac
import itertools
import os
import re
import subprocess
import sys
import threading
from dataclasses import replace
from datetime import date, datetime, timedelta, timezone

import psycopg
import pytest
from conftest import ROOT, free_port
from pg import TempPostgres
from sqlalchemy import create_engine, inspect, text

from kbqa.data import Answer, Chunk, Citation, Hit
from kbqa.errors import KbqaError
from kbqa.qlog import COLUMNS, Entry, Group, QuestionLog, new_answer_id
from kbqa.qlog import writer as writer_module
from kbqa.qlog.schema import database_url
from kbqa.settings import Settings, SettingsError

SALT = "test-salt"
T0 = datetime(2025, 3, 1, 8, 0, tzinfo=timezone.utc)
BOM = "\ufeff"


class Clock:
    """A clock the test sets; the log reads the time from it."""

    def __init__(self, now: datetime = T0) -> None:
        self.now = now

    def __call__(self) -> datetime:
        return self.now


@pytest.fixture(scope="session")
def postgres():
    with TempPostgres() as url:
        yield url


_databases = itertools.count()


@pytest.fixture(params=["sqlite", "postgresql"])
def log_db(request, tmp_path) -> str:
    """A fresh, empty log database: a SQLite file, or a new database on the session's PostgreSQL server."""
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path}/log.sqlite3"
    base = request.getfixturevalue("postgres")
    name = f"log_{next(_databases)}"
    with psycopg.connect(base, autocommit=True) as db:
        db.execute(f"CREATE DATABASE {name}")
    return base.rsplit("/", 1)[0] + "/" + name


def settings_for(log_db: str, tmp_path, **overrides) -> Settings:
    return Settings.from_env(env={}, data_dir=tmp_path / "data", log_db=log_db, log_salt=SALT, **overrides)


def opened(log_db: str, tmp_path, clock: Clock | None = None, **overrides) -> QuestionLog:
    return QuestionLog.open(settings_for(log_db, tmp_path, **overrides), clock=clock or Clock())


def visitor(address: str, salt: str = SALT) -> str:
    return hmac.new(salt.encode(), address.encode(), hashlib.sha256).hexdigest()[:32]


def citation(n: int, chunk_id: int, section: str, path: tuple[str, ...]) -> Citation:
    chunk = Chunk(chunk_id, "smart-city-report-2025", section, path[-1], path, 0, 4, "正文内容")
    return Citation(n, Hit(chunk, 0.9))


def refused(question: str, reason: str = "low_confidence", terms: tuple[str, ...] = (), resolved: str = "") -> Answer:
    return Answer(question, "知识库中没有找到与该问题相关的内容。", True, 0.2, reason=reason, unknown_terms=terms,
                  resolved_question=resolved or question, id=new_answer_id())


def answered(question: str, text: str = "答案。[1]", resolved: str = "") -> Answer:
    return Answer(question, text, False, 0.8, (citation(1, 7, "2.2", ("二、平台", "2.2 协同联动")),),
                  resolved_question=resolved or question, id=new_answer_id())


# ---------------------------------------------------------------- what an entry keeps


def test_entry_round_trips_every_field(log_db, tmp_path):
    path = ("二、大数据与云计算", "2.2 大数据与云计算平台的协同联动与价值释放")
    answer = Answer(
        "那杭州呢？", "杭州城市大脑整合了48个部门的数据[1]。另见[2]", False, 0.8125,
        (citation(1, 12, "2.2", path), citation(2, 30, "3.1", ("三、治理", "3.1 一网统管"))),
        resolved_question="杭州 整合了哪些部门？", took_ms=42.5, reason="", unknown_terms=("城市大脑",),
        mode="generated", id="a1b2c3d4e5f6g7h8i9j0kl",
    )  # fmt: skip
    with opened(log_db, tmp_path) as log:
        assert log.record(answer, "widget", "203.0.113.7") == "a1b2c3d4e5f6g7h8i9j0kl"
        assert log.entries() == [Entry(
            answer_id="a1b2c3d4e5f6g7h8i9j0kl", time=T0, channel="widget", question="那杭州呢？",
            resolved_question="杭州 整合了哪些部门？", refused=False, reason="", unknown_terms=("城市大脑",),
            confidence=0.8125,
            citations=({"n": 1, "doc": "smart-city-report-2025", "section": "2.2",
                        "path": "二、大数据与云计算 › 2.2 大数据与云计算平台的协同联动与价值释放", "chunk": 12},
                       {"n": 2, "doc": "smart-city-report-2025", "section": "3.1", "path": "三、治理 › 3.1 一网统管",
                        "chunk": 30}),
            answer="杭州城市大脑整合了48个部门的数据[1]。另见[2]", mode="generated", took_ms=42.5,
            visitor=visitor("203.0.113.7"),
        )]  # fmt: skip


def test_refusal_keeps_its_reason_and_unknown_terms(log_db, tmp_path):
    with opened(log_db, tmp_path) as log:
        log.record(refused("报告建议地铁票价怎么调整?", "unknown_topic", ("地铁票价",)), "v1")
        entry = log.entries()[0]
    assert (entry.refused, entry.reason, entry.unknown_terms, entry.citations, entry.visitor, entry.channel) == (
        True, "unknown_topic", ("地铁票价",), (), "", "v1")


def test_an_answer_without_id_gets_one(log_db, tmp_path):
    with opened(log_db, tmp_path) as log:
        given = log.record(replace(answered("问题一"), id=""), "api")
        assert len(given) == 22 and [e.answer_id for e in log.entries()] == [given]


def test_unknown_channel_is_refused(tmp_path):
    with opened("", tmp_path) as log, pytest.raises(ValueError, match="channel must be one of ui, api, widget, v1, got 'cli'"):
        log.record(answered("问题"), "cli")


def test_address_is_stored_only_as_a_salted_hash(tmp_path):
    settings = Settings.from_env(env={}, data_dir=tmp_path / "data")  # empty KBQA_LOG_DB: SQLite in the data folder
    with QuestionLog.open(settings) as log:
        log.record(answered("杭州城市大脑整合了多少个部门?"), "ui", "198.51.100.23")
        first = log.entries()[0].visitor
    salt_file = tmp_path / "data" / "log-salt"
    assert sorted(p.name for p in (tmp_path / "data").iterdir()) == ["log-salt", "questions.sqlite3"]
    assert salt_file.stat().st_mode & 0o777 == 0o600
    assert first == visitor("198.51.100.23", salt_file.read_text().strip())
    stored = b"".join(p.read_bytes() for p in (tmp_path / "data").iterdir())
    assert "杭州城市大脑整合了多少个部门".encode() in stored and first.encode() in stored
    assert b"198.51.100.23" not in stored
    with QuestionLog.open(settings) as log:  # the salt is kept: the same visitor hashes the same
        log.record(answered("第二个问题"), "ui", "198.51.100.23")
        assert [e.visitor for e in log.entries()] == [first, first]
    with QuestionLog.open(settings.replace(log_salt="another", data_dir=tmp_path / "other")) as log:
        log.record(answered("第三个问题"), "ui", "198.51.100.23")
        assert log.entries()[0].visitor == visitor("198.51.100.23", "another") != first


def test_postgresql_rows_hold_no_clear_address(postgres, tmp_path):
    with opened(postgres, tmp_path) as log:
        log.record(answered("杭州城市大脑整合了多少个部门?"), "api", "198.51.100.23")
        log.flush()
    engine = create_engine(postgres.replace("postgresql://", "postgresql+psycopg://"))
    with engine.connect() as db:
        rows = db.execute(text("SELECT t::text FROM kbqa_questions t")).scalars().all()
    engine.dispose()
    assert len(rows) == 1 and visitor("198.51.100.23") in rows[0] and "198.51.100.23" not in rows[0]


def test_off_stores_nothing(tmp_path):
    with opened("off", tmp_path) as log:
        assert not log.enabled
        assert log.record(answered("问题"), "api", "203.0.113.7") != ""
        log.feedback(new_answer_id(), "down", "没用")
        assert (log.entries(), log.report(), log.report_csv()) == ([], [], BOM + ",".join(COLUMNS) + "\r\n")
    assert not (tmp_path / "data").exists()


def test_reading_makes_no_salt(tmp_path):
    with QuestionLog.open(Settings.from_env(env={}, data_dir=tmp_path / "data")) as log:
        assert log.report() == []
    assert [p.name for p in (tmp_path / "data").iterdir()] == ["questions.sqlite3"]


# ---------------------------------------------------------------- retention


def test_retention_deletes_exactly_the_old_ones(log_db, tmp_path):
    clock = Clock(T0 - timedelta(days=40))
    ids = {}
    with opened(log_db, tmp_path, clock, log_retention_days=30) as log:
        for age in (timedelta(days=40), timedelta(days=31), timedelta(days=30), timedelta(days=30, minutes=-30),
                    timedelta(days=29)):
            clock.now = T0 - age
            ids[age] = log.record(answered(f"{age}"), "api")
            log.flush()
        assert len(log.entries()) == 5  # nothing was old enough while they were written
    clock.now = T0
    with opened(log_db, tmp_path, clock, log_retention_days=30) as log:  # start-up deletes
        assert {e.answer_id for e in log.entries()} == {ids[timedelta(days=a)] for a in (30, 29)} | {
            ids[timedelta(days=30, minutes=-30)]}
        clock.now = T0 + timedelta(minutes=59)  # the 30-day entry is now older, but an hour has not passed
        assert len(log.entries()) == 3
        clock.now = T0 + timedelta(minutes=60)
        assert {e.answer_id for e in log.entries()} == {ids[timedelta(days=29)]}
    with opened(log_db, tmp_path, Clock(T0 + timedelta(days=3650)), log_retention_days=0) as log:  # 0: keep all
        assert len(log.entries()) == 1


# ---------------------------------------------------------------- the report


def fill(log: QuestionLog, clock: Clock) -> dict[str, str]:
    """Eight questions on eight days (the fourth late at night); the ids by label."""
    ids = {}
    asked = [
        ("hz1", refused("杭州城市大脑整合了多少个部门？"), None),
        ("hz2", refused("杭州城市大脑整合了多少个部门?"), None),
        ("metro1", refused("报告建议地铁票价怎么调整?", "unknown_topic", ("地铁票价",)), None),
        ("metro2", refused("报告建议地铁票价怎么调整", "unknown_topic", ("地铁票价", "调整")), None),
        ("hz3", refused("杭州城市大腦整合了多少個部門 ？", "unknown_topic"), None),
        ("carbon", answered("碳普惠机制是干什么用的?", "用于激励低碳行为。[1]"), ("down", "答非所问")),
        ("goal", answered("智慧城市建设的总体目标是什么?"), ("up", None)),
        ("dept1", refused("杭州整合了哪些部门?"), None),
        ("dept2", answered("那杭州呢?", "整合了48个部门。[1]", resolved="杭州 整合了哪些部门?"), ("down", None)),
    ]
    for day, (label, answer, vote) in enumerate(asked):
        clock.now = T0 + timedelta(days=day, hours=15 if label == "metro2" else 0, minutes=59 * (label == "metro2"))
        ids[label] = log.record(answer, "api")
        if vote:
            log.feedback(ids[label], *vote)
    return ids


def hz(ids, count=3, refused_=3) -> Group:
    return Group("杭州城市大腦整合了多少個部門 ？", count, refused_, 0, T0, T0 + timedelta(days=4),
                 ("low_confidence", "unknown_topic"), (), (), "知识库中没有找到与该问题相关的内容。", ids["hz3"])


def metro(ids) -> Group:
    return Group("报告建议地铁票价怎么调整", 2, 2, 0, T0 + timedelta(days=2), T0 + timedelta(days=3, hours=15, minutes=59),
                 ("unknown_topic",), ("地铁票价", "调整"), (), "知识库中没有找到与该问题相关的内容。", ids["metro2"])


def dept(ids) -> Group:
    return Group("杭州 整合了哪些部门?", 2, 1, 1, T0 + timedelta(days=7), T0 + timedelta(days=8), ("low_confidence",),
                 (), (), "整合了48个部门。[1]", ids["dept2"])


def carbon(ids) -> Group:
    return Group("碳普惠机制是干什么用的?", 1, 0, 1, T0 + timedelta(days=5), T0 + timedelta(days=5), (), (),
                 ("答非所问",), "用于激励低碳行为。[1]", ids["carbon"])


def test_report_groups_by_normalised_text_most_frequent_first(log_db, tmp_path):
    clock = Clock()
    with opened(log_db, tmp_path, clock, log_retention_days=0) as log:
        ids = fill(log, clock)
        # refused or voted down; 杭州 and 地铁 both twice: the one asked last first
        assert log.report() == [hz(ids), dept(ids), metro(ids), carbon(ids)]
        assert log.report(limit=2) == [hz(ids), dept(ids)]
        assert log.report(refused=True) == [hz(ids), metro(ids), replace(
            dept(ids), question="杭州整合了哪些部门?", count=1, down=0, last=T0 + timedelta(days=7),
            answer="知识库中没有找到与该问题相关的内容。", answer_id=ids["dept1"])]
        down = [replace(dept(ids), count=1, refused=0, first=T0 + timedelta(days=8), reasons=()), carbon(ids)]
        assert log.report(vote="down") == down
        assert log.report(refused=True, vote="down") == []
        assert [g.answer_id for g in log.report(refused=False)] == [ids["dept2"], ids["goal"], ids["carbon"]]
        assert [g.answer_id for g in log.report(vote="up")] == [ids["goal"]]
        # whole days, UTC: the 4th includes its 15:59
        assert log.report(since=date(2025, 3, 3), until=date(2025, 3, 4)) == [metro(ids)]
        assert log.report(since=T0 + timedelta(days=3), until=T0 + timedelta(days=3, hours=15)) == []
        assert log.report(since=date(2025, 3, 9)) == [replace(dept(ids), count=1, refused=0, first=T0 + timedelta(days=8),
                                                              reasons=())]


def test_report_csv_exact(log_db, tmp_path):
    clock = Clock()
    with opened(log_db, tmp_path, clock, log_retention_days=0) as log:
        ids = fill(log, clock)
        csv_text = log.report_csv(since=date(2025, 3, 3), until=date(2025, 3, 6))
    assert csv_text == (
        "\ufeff问题,次数,未回答,差评,首次提问(UTC),最近提问(UTC),原因,知识库未提及的词,意见,最近的回答,回答编号\r\n"
        f"报告建议地铁票价怎么调整,2,2,0,2025-03-03 08:00:00,2025-03-04 23:59:00,unknown_topic,地铁票价; 调整,,"
        f"知识库中没有找到与该问题相关的内容。,{ids['metro2']}\r\n"
        f"碳普惠机制是干什么用的?,1,0,1,2025-03-06 08:00:00,2025-03-06 08:00:00,,,答非所问,用于激励低碳行为。[1],"
        f"{ids['carbon']}\r\n"
        f"杭州城市大腦整合了多少個部門 ？,1,1,0,2025-03-05 08:00:00,2025-03-05 08:00:00,unknown_topic,,,"
        f"知识库中没有找到与该问题相关的内容。,{ids['hz3']}\r\n"
    )


@pytest.mark.parametrize(
    ("filters", "code", "message"),
    [
        ({"vote": "sideways"}, "invalid_vote", "vote must be 'up', 'down' or null, got 'sideways'"),
        ({"refused": "yes"}, "invalid_field", "refused must be true, false or null, got 'yes'"),
        ({"since": "2025-03-01"}, "invalid_field", "since and until must be dates or times, got '2025-03-01'"),
    ],
)
def test_bad_report_filters(tmp_path, filters, code, message):
    with opened("", tmp_path) as log, pytest.raises(KbqaError) as caught:
        log.report(**filters)
    assert (caught.value.code, str(caught.value)) == (code, message)


# ---------------------------------------------------------------- feedback


def test_feedback_replaces_the_earlier_vote_and_cleans_the_comment(log_db, tmp_path):
    clock = Clock()
    with opened(log_db, tmp_path, clock) as log:
        given = log.record(answered("问题"), "ui")  # not flushed: feedback waits for it
        clock.now = T0 + timedelta(minutes=1)
        log.feedback(given, "up", "  说得\u200b清楚\n 谢谢 ")
        assert [(e.vote, e.comment, e.voted_at) for e in log.entries()] == [("up", "说得 清楚 谢谢", clock.now)]
        clock.now = T0 + timedelta(minutes=2)
        log.feedback(given, "down")
        assert [(e.vote, e.comment, e.voted_at) for e in log.entries()] == [("down", None, clock.now)]
        log.feedback(given, "down", " \u200b ")
        assert log.entries()[0].comment is None


@pytest.mark.parametrize(
    ("vote", "comment", "code", "status", "message", "display"),
    [
        ("meh", None, "invalid_vote", 422, "vote must be 'up' or 'down', got 'meh'", "评价只能是“有帮助”(up)或“没帮助”(down)。"),
        (None, None, "invalid_vote", 422, "vote must be 'up' or 'down', got None", "评价只能是“有帮助”(up)或“没帮助”(down)。"),
        ("UP", None, "invalid_vote", 422, "vote must be 'up' or 'down', got 'UP'", "评价只能是“有帮助”(up)或“没帮助”(down)。"),
        ("down", "一" * 11, "comment_too_long", 413,
         "comment is 11 characters; the limit is 10 (KBQA_MAX_COMMENT_CHARS)",
         "意见太长了:现在有 11 个字,最多 10 个字。请删减后再提交。"),
        ("down", 5, "invalid_field", 400, "comment must be a string or null, got int", "请求格式不正确,请刷新页面后再试。"),
    ],
)
def test_bad_feedback_is_explained(tmp_path, vote, comment, code, status, message, display):
    with opened("", tmp_path, max_comment_chars=10) as log:
        given = log.record(answered("问题"), "ui")
        with pytest.raises(KbqaError) as caught:
            log.feedback(given, vote, comment)
        assert (caught.value.code, caught.value.status, str(caught.value), caught.value.display) == (
            code, status, message, display)
        assert log.entries()[0].vote is None
        log.feedback(given, "down", "一" * 10)  # at the limit: accepted


@pytest.mark.parametrize("answer_id", ["nope", "", "x" * 65, None])
def test_feedback_on_an_unknown_answer(log_db, tmp_path, answer_id):
    with opened(log_db, tmp_path) as log:
        log.record(answered("问题"), "ui")
        with pytest.raises(KbqaError) as caught:
            log.feedback(answer_id, "up")
    assert (caught.value.code, caught.value.status, caught.value.display) == (
        "unknown_answer", 404, "没有找到这条回答,可能已超过保存期限。请重新提问后再评价。")
    assert str(caught.value).startswith(f"no logged answer has the id {str(answer_id)[:80]!r}; ")


# ---------------------------------------------------------------- many at once, and a database that is away


@pytest.mark.parametrize("background", [True, False], ids=["queued", "direct"])
def test_sixteen_threads_lose_nothing(log_db, tmp_path, background):
    per_thread = 40
    start = threading.Barrier(16)
    given: list[str] = []

    with QuestionLog.open(settings_for(log_db, tmp_path), background=background) as log:
        def ask(t: int) -> None:
            start.wait()
            for i in range(per_thread):
                given.append(log.record(answered(f"线程{t}的第{i}个问题"), "api", f"10.0.{t}.{i}"))

        threads = [threading.Thread(target=ask, args=(t,)) for t in range(16)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        stored = log.entries()
    assert len(given) == 16 * per_thread and len(stored) == 16 * per_thread
    assert {e.answer_id for e in stored} == set(given)
    assert len({e.visitor for e in stored}) == 16 * per_thread


def test_close_writes_what_is_queued(log_db, tmp_path):
    with opened(log_db, tmp_path) as log:
        for i in range(200):
            log.record(answered(f"问题{i}"), "api")
    with opened(log_db, tmp_path) as log:
        assert len(log.entries()) == 200


def test_writer_keeps_rows_while_the_database_is_away(monkeypatch):
    monkeypatch.setattr(writer_module, "RETRY_S", 0.01)
    written: list[dict] = []
    failures = iter([True, True, True])

    def write(rows: list[dict]) -> None:
        if next(failures, False):
            raise ConnectionError("database away")
        written.extend(rows)

    w = writer_module.Writer(write)
    for i in range(50):
        w.put({"n": i})
    assert w.flush(10) is True
    assert written == [{"n": i} for i in range(50)]
    assert w.close() == 0


def test_writer_counts_what_it_could_not_write(monkeypatch):
    monkeypatch.setattr(writer_module, "RETRY_S", 0.01)

    def write(rows):
        raise ConnectionError("database away")

    w = writer_module.Writer(write)
    for i in range(3):
        w.put({"n": i})
    assert w.flush(0.05) is False
    assert w.close(5) == 3
    with pytest.raises(RuntimeError, match="the question log is closed"):
        w.put({"n": 4})


def test_writer_holds_a_bounded_number_of_rows(monkeypatch):
    monkeypatch.setattr(writer_module, "RETRY_S", 0.01)
    monkeypatch.setattr(writer_module, "MAX_WAITING", 5)

    def write(rows):
        raise ConnectionError("database away")

    w = writer_module.Writer(write)
    for i in range(8):
        w.put({"n": i})
    assert (w.dropped, w.close(5)) == (3, 5)


def test_schema_indexes_and_sqlite_journal(log_db, tmp_path):
    opened(log_db, tmp_path).close()
    engine = create_engine(database_url(settings_for(log_db, tmp_path)))
    found = inspect(engine)
    indexes = {tuple(i["column_names"]): bool(i["unique"]) for i in found.get_indexes("kbqa_questions")}
    uniques = {tuple(u["column_names"]) for u in found.get_unique_constraints("kbqa_questions")}
    assert indexes[("time",)] is False and indexes[("question_key",)] is False
    assert ("answer_id",) in uniques or indexes.get(("answer_id",)) is True
    if log_db.startswith("sqlite"):
        with engine.connect() as db:
            assert db.execute(text("PRAGMA journal_mode")).scalar() == "wal"
    engine.dispose()


def test_an_id_logged_twice_keeps_the_first_and_the_rest(log_db, tmp_path):
    with opened(log_db, tmp_path) as log:
        first = answered("第一个")
        log.record(first, "api")
        log.flush()
        log.record(replace(answered("重复的"), id=first.id), "api")
        log.record(answered("第三个"), "api")
        assert [e.question for e in log.entries()] == ["第三个", "第一个"]


# ---------------------------------------------------------------- where the log is


@pytest.mark.parametrize(
    ("value", "message"),
    [
        ("mysql://u:secret@db.example/kbqa", "KBQA_LOG_DB must be empty (a SQLite file in KBQA_DATA_DIR), 'off', "
         "sqlite:///PATH or postgresql://USER:PASS@HOST:PORT/DB, got mysql://…"),
        ("sqlite://", "got sqlite://…"),
        ("not a url", "got 'not a url'"),
    ],
)
def test_bad_log_db_is_explained(tmp_path, value, message):
    with pytest.raises(SettingsError, match=re.escape(message)) as caught:
        QuestionLog.open(settings_for(value, tmp_path))
    assert "secret" not in str(caught.value)


def test_urls(tmp_path):
    assert database_url(settings_for("", tmp_path)).render_as_string() == f"sqlite:///{tmp_path}/data/questions.sqlite3"
    assert database_url(settings_for(" OFF ", tmp_path)) is None
    assert database_url(settings_for("postgresql://u:p@h:5433/d", tmp_path)).render_as_string(False) == (
        "postgresql+psycopg://u:p@h:5433/d")


def test_unreachable_postgresql_names_the_database_without_its_password(tmp_path):
    port = free_port()
    with pytest.raises(ConnectionError) as caught:
        QuestionLog.open(settings_for(f"postgresql://kbqa:secret@127.0.0.1:{port}/kbqa", tmp_path))
    message = str(caught.value)
    assert message.startswith(f"cannot open the question log postgresql+psycopg://kbqa:***@127.0.0.1:{port}/kbqa: ")
    assert "secret" not in message


# ---------------------------------------------------------------- kbqa log


def kbqa_log(log_db: str, tmp_path, *args: str) -> subprocess.CompletedProcess:
    env = {k: v for k, v in os.environ.items() if not k.startswith("KBQA_")}
    env.update(KBQA_LOG_DB=log_db, KBQA_DATA_DIR=str(tmp_path / "data"), KBQA_LOG_RETENTION_DAYS="0",
               PYTHONPATH=str(ROOT))
    return subprocess.run([sys.executable, "-m", "kbqa.cli", "log", *args], capture_output=True, env=env, cwd=ROOT,
                          timeout=120)


def test_kbqa_log_prints_the_report(log_db, tmp_path):
    clock = Clock()
    with opened(log_db, tmp_path, clock, log_retention_days=0) as log:
        ids = fill(log, clock)
        expected_csv = log.report_csv(vote="down").encode()
    run = kbqa_log(log_db, tmp_path, "--since", "2025-03-03", "--until", "2025-03-06")
    assert run.returncode == 0, run.stderr.decode()
    assert run.stdout.decode() == (
        "3 组问题,共 4 次提问(时间为 UTC)\n"
        "\n"
        "1. 报告建议地铁票价怎么调整\n"
        "   2 次(未回答 2,差评 0) 2025-03-03 08:00:00 至 2025-03-04 23:59:00\n"
        "   原因: unknown_topic  知识库未提及: 地铁票价; 调整\n"
        "   最近的回答: 知识库中没有找到与该问题相关的内容。\n"
        "\n"
        "2. 碳普惠机制是干什么用的?\n"
        "   1 次(未回答 0,差评 1) 2025-03-06 08:00:00 至 2025-03-06 08:00:00\n"
        "   意见: 答非所问\n"
        "   最近的回答: 用于激励低碳行为。[1]\n"
        "\n"
        "3. 杭州城市大腦整合了多少個部門 ？\n"
        "   1 次(未回答 1,差评 0) 2025-03-05 08:00:00 至 2025-03-05 08:00:00\n"
        "   原因: unknown_topic  知识库未提及: -\n"
        "   最近的回答: 知识库中没有找到与该问题相关的内容。\n"
    )
    refused_only = kbqa_log(log_db, tmp_path, "--refused", "--limit", "1")
    assert refused_only.stdout.decode().splitlines()[:3] == ["1 组问题,共 3 次提问(时间为 UTC)", "",
                                                             "1. 杭州城市大腦整合了多少個部門 ？"]
    csv_run = kbqa_log(log_db, tmp_path, "--down", "--csv")
    assert csv_run.stdout == expected_csv and csv_run.stdout.startswith(b"\xef\xbb\xbf")
    assert ids["carbon"].encode() in csv_run.stdout and ids["dept2"].encode() in csv_run.stdout


@pytest.mark.parametrize(
    ("args", "status", "message"),
    [
        (("--since", "2025-13-01"), 2, "kbqa log: error: argument --since: must be a day as YYYY-MM-DD, got '2025-13-01'"),
        (("--limit", "0"), 2, "kbqa log: error: argument --limit: must be a whole number >= 1, got '0'"),
    ],
)
def test_kbqa_log_bad_arguments(tmp_path, args, status, message):
    run = kbqa_log("", tmp_path, *args)
    assert (run.returncode, run.stderr.decode().strip().splitlines()[-1]) == (status, message)


def test_kbqa_log_when_off_or_empty(tmp_path):
    off = kbqa_log("off", tmp_path)
    assert (off.returncode, off.stdout, off.stderr.decode()) == (
        1, b"", "kbqa: the question log is off (KBQA_LOG_DB=off): nothing was recorded\n")
    empty = kbqa_log("", tmp_path)
    assert (empty.returncode, empty.stdout.decode()) == (0, "没有符合条件的提问。\n")
    bad = kbqa_log("mysql://x@y/z", tmp_path)
    assert bad.returncode == 2 and bad.stderr.decode().startswith("kbqa: error: KBQA_LOG_DB must be empty")
