"""The README's commands are exercised: the Python API block runs, every CLI option it shows exists, every curl
line gets a 200 from the API, and every `make` target it names is in the Makefile. (Over the fixture corpus with
the hashing embedder; the commands' behaviour itself is tested in test_cli_*.py and test_api.py.)"""

from __future__ import annotations

import re
import shlex
import shutil
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from typer.testing import CliRunner

ROOT = Path(__file__).resolve().parent.parent
README = (ROOT / "README.md").read_text(encoding="utf-8")
FIXTURE_CORPUS = Path(__file__).resolve().parent / "fixtures" / "corpus"


def _blocks(language: str) -> list[str]:
    return re.findall(rf"```{language}\n(.*?)```", README, flags=re.S)


def _section(title: str) -> str:
    start = README.index(f"## {title}\n")
    end = README.find("\n## ", start + 1)
    return README[start : end if end > 0 else len(README)]


def test_the_python_api_block_runs(tmp_path, monkeypatch):
    (block,) = re.findall(r"```python\n(.*?)```", _section("Python API"), flags=re.S)
    shutil.copytree(FIXTURE_CORPUS, tmp_path / "corpus")
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("QA_EMBEDDER", "hash")  # the block as written, with the fast embedder
    namespace: dict = {}
    exec(compile(block, "README.md (Python API)", "exec"), namespace)
    assert (tmp_path / "index" / "manifest.json").is_file()
    assert namespace["r"].passages and namespace["hits"]
    assert namespace["doc"].metadata == {"year": 2005}


def _cli_lines() -> list[list[str]]:
    lines = []
    for block in _blocks("bash"):
        for line in block.splitlines():
            line = line.split("  #")[0].strip()
            if line.startswith(".venv/bin/qa-service "):
                lines.append(shlex.split(line.replace("[", " ").replace("]", " ")))
    return lines


def _app():
    """The CLI with every command module imported (importing one registers its commands)."""
    import importlib
    import pkgutil

    import qa_service.cli
    from qa_service.cli.app import app

    for module in pkgutil.iter_modules(qa_service.cli.__path__):
        importlib.import_module(f"qa_service.cli.{module.name}")
    return app


def test_the_readme_shows_every_command():
    app = _app()
    shown = {words[1] for words in _cli_lines()}
    assert {"ingest", "serve", "ask", "search", "facts", "eval", "bench"} <= shown
    registered = {c.name or c.callback.__name__ for c in app.registered_commands}
    assert shown <= registered, shown - registered


@pytest.mark.parametrize("words", _cli_lines(), ids=lambda w: w[1])
def test_every_cli_option_in_the_readme_exists(words):
    result = CliRunner().invoke(_app(), [words[1], "--help"], terminal_width=200)
    assert result.exit_code == 0, result.output
    help_text = re.sub(r"\s+", " ", result.output)
    for option in (w.split("=")[0] for w in words[2:] if w.startswith("-")):
        assert option in help_text, f"README shows {option} for `qa-service {words[1]}`; its --help does not"


def test_every_make_target_in_the_readme_exists():
    makefile = (ROOT / "Makefile").read_text(encoding="utf-8")
    targets = set(re.findall(r"^([\w-]+):", makefile, flags=re.M))
    named = set(re.findall(r"`make ([\w-]+)", README)) | set(re.findall(r"^make ([\w-]+)", README, flags=re.M))
    assert named and named <= targets, named - targets


def _curl_lines() -> list[str]:
    return [ln.strip() for block in _blocks("bash") for ln in block.splitlines() if ln.strip().startswith("curl ")]


@pytest.fixture(scope="module")
def client(fixture_service):
    from qa_service.web.app import create_app

    with TestClient(create_app(service=fixture_service)) as c:
        yield c


@pytest.mark.parametrize("line", _curl_lines())
def test_every_curl_line_gets_a_200(client, line):
    words = shlex.split(line)
    url = next(w for w in words if w.startswith("http://"))
    path = re.sub(r"^http://[^/]+", "", url)
    body = words[words.index("-d") + 1] if "-d" in words else None
    method = words[words.index("-X") + 1] if "-X" in words else "GET"
    r = client.request(method, path, content=body, headers={"content-type": "application/json"} if body else None)
    assert r.status_code == 200, r.text


def test_the_readme_has_curl_and_python_beside_the_cli():
    assert len(_curl_lines()) >= 3 and "from qa_service import QAService" in _section("Python API")
