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
