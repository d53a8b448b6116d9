"""Settings: every one is documented in the README, bad values are refused at start-up."""

from __future__ import annotations

from pathlib import Path

import pytest
from pydantic import ValidationError

from qa_service.config import Settings

README = (Path(__file__).resolve().parent.parent / "README.md").read_text(encoding="utf-8")


@pytest.mark.parametrize("name", sorted(Settings.model_fields))
def test_every_setting_is_documented_in_the_readme(name):
    assert f"`QA_{name.upper()}`" in README, f"QA_{name.upper()} is missing from the README's settings table"


def test_readme_defaults_match_the_code():
    for name, field in Settings.model_fields.items():
        if isinstance(field.default, int | float | str) and not isinstance(field.default, bool):
            row = next(line for line in README.splitlines() if line.startswith(f"| `QA_{name.upper()}`"))
            assert f"`{field.default}`" in row, f"README default of QA_{name.upper()} is not {field.default}"


@pytest.mark.parametrize(
    "env, fragment",
    [
        ({"QA_EMBEDDER": "bert"}, "QA_EMBEDDER"),
        ({"QA_CHUNK_WORDS": "5"}, "chunk_words"),
        ({"QA_TOP_K": "0"}, "top_k"),
        ({"QA_ABSTAIN_THRESHOLD": "1.5"}, "abstain_threshold"),
        ({"QA_PORT": "70000"}, "port"),
    ],
)
def test_bad_values_are_refused_with_their_name(monkeypatch, env, fragment):
    for key, value in env.items():
        monkeypatch.setenv(key, value)
    with pytest.raises(ValidationError) as info:
        Settings()
    assert fragment in str(info.value)


def test_environment_overrides_defaults(monkeypatch, tmp_path):
    monkeypatch.setenv("QA_INDEX_DIR", str(tmp_path))
    monkeypatch.setenv("QA_TOP_K", "7")
    settings = Settings()
    assert settings.index_dir == tmp_path
    assert settings.top_k == 7


def test_default_paths_are_relative_to_the_working_directory(tmp_path, monkeypatch):
    """As the README's table says: `corpus` and `index`, wherever the command runs, not the package's folder."""
    monkeypatch.delenv("QA_CORPUS_DIR", raising=False)
    monkeypatch.delenv("QA_INDEX_DIR", raising=False)
    monkeypatch.chdir(tmp_path)
    settings = Settings()
    assert settings.corpus_dir == Path("corpus") and settings.index_dir == Path("index")
    assert settings.corpus_dir.resolve() == tmp_path / "corpus"
    for name in ("corpus_dir", "index_dir"):
        row = next(line for line in README.splitlines() if line.startswith(f"| `QA_{name.upper()}`"))
        assert f"`{Settings.model_fields[name].default}`" in row
