"""The Dockerfile (docker cannot run here): same pins as pyproject.toml, non-root, index built at image build time."""

from __future__ import annotations

import json
import re
import shlex
import tomllib
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
DOCKERFILE = ROOT / "Dockerfile"


@pytest.fixture(scope="module")
def instructions() -> list[tuple[str, str]]:
    """(INSTRUCTION, arguments) pairs, with continuation lines joined and comments dropped."""
    text = re.sub(r"\\\n", " ", DOCKERFILE.read_text(encoding="utf-8"))
    out = []
    for line in text.splitlines():
        line = line.strip()
        if line and not line.startswith("#"):
            word, _, rest = line.partition(" ")
            out.append((word.upper(), rest.strip()))
    return out


@pytest.fixture(scope="module")
def pins() -> dict[str, str]:
    project = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]
    return dict(dep.split("==", 1) for dep in project["dependencies"])


def _args(instructions, name: str) -> list[str]:
    return [rest for word, rest in instructions if word == name]


def test_base_image_is_python_311_slim(instructions):
    assert _args(instructions, "FROM") == ["python:3.11-slim"]


def test_pins_match_pyproject(instructions, pins):
    runs = " ".join(_args(instructions, "RUN"))
    named = dict(re.findall(r"([A-Za-z0-9_.-]+)==([A-Za-z0-9_.+-]+)", runs))
    assert named.get("torch") == pins["torch"] == "2.13.0"
    for package, version in named.items():
        assert pins.get(package) == version, f"Dockerfile pins {package}=={version}, pyproject.toml {pins.get(package)}"


def test_torch_is_installed_before_the_package(instructions):
    runs = _args(instructions, "RUN")
    torch = next(i for i, r in enumerate(runs) if "torch==" in r)
    package = next(i for i, r in enumerate(runs) if re.search(r"pip install (\S+ )*\.(\s|$|&)", r))
    assert torch < package
    copied = " ".join(_args(instructions, "COPY"))
    assert "pyproject.toml" in copied and "qa_service" in copied and "corpus" in copied


def test_index_is_built_offline_at_build_time_by_the_serving_user(instructions):
    env = " ".join(_args(instructions, "ENV"))
    assert "HF_HUB_OFFLINE=1" in env
    assert "QA_CORPUS_DIR=" in env and "QA_INDEX_DIR=" in env  # the installed package cannot find ./corpus itself
    order = [(word, rest) for word, rest in instructions if word in {"USER", "RUN"}]
    ingest = next(i for i, (w, r) in enumerate(order) if w == "RUN" and "qa-service ingest" in r)
    users = [r for w, r in order[:ingest] if w == "USER"]
    assert users and users[-1] not in {"root", "0"}


def test_runs_as_non_root(instructions):
    users = _args(instructions, "USER")
    assert users, "no USER instruction: the container would run as root"
    assert users[-1].split(":")[0] not in {"root", "0"}


def test_serves_on_all_interfaces_port_8000(instructions):
    assert _args(instructions, "EXPOSE") == ["8000"]
    cmd = _args(instructions, "CMD")[-1]
    argv = shlex.split(cmd) if not cmd.startswith("[") else json.loads(cmd)
    assert argv[:2] == ["qa-service", "serve"]
    assert argv[argv.index("--host") + 1] == "0.0.0.0"
    assert argv[argv.index("--port") + 1] == "8000"
    assert "--no-build" in argv  # the image already holds the index


def test_healthcheck_probes_healthz(instructions):
    (check,) = _args(instructions, "HEALTHCHECK")
    assert "CMD" in check and "/healthz" in check and ":8000" in check


def test_dockerignore_keeps_local_state_out():
    ignored = {line.strip() for line in (ROOT / ".dockerignore").read_text().splitlines()}
    assert {".venv", ".git", "index", "test-output"} <= ignored
