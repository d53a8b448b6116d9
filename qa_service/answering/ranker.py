"""The learned candidate scorer and its calibrated confidence, saved as one small JSON file.

- The scorer gives each (question part, candidate) a score; the best candidate of each part is the answer.
  It is a linear listwise model ("softmax": a conditional logit, trained so that the right candidates of
  each question take the most of a softmax over that question's candidates), a pointwise logistic
  regression (both as coefficients in the JSON), or gradient boosting (LightGBM, saved in its own text
  format inside the JSON): ``qa-service train`` fits the kinds it is asked for, keeps the one with the better
  cross-validated decision accuracy, and writes which one it kept.
- The confidence is the probability that the chosen answer is right: a logistic model over the top score,
  the margin to the runner-up and the question-level signals, then isotonic regression, both fitted on
  held-out folds (never on the scorer's own training fit). Below ``threshold`` (chosen on those folds) the
  service abstains.

No pickle: the file is plain JSON and checked against the feature names it was trained with.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from qa_service.answering.features import NAMES
from qa_service.errors import QAError

FORMAT = 1
DEFAULT_FILE = Path(__file__).resolve().parent / "model" / "ranker.json"
CONFIDENCE_FEATURES = (
    "top", "margin", "q_missing", "q_off", "top_cosine", "top_coverage", "kind_match", "names_in_sentence",
    "names_in_passage", "year_agree", "year_clash", "focus_sim", "n_years", "share", "year_absent", "ctx_miss_max", "ctx_miss_share",
    # what the question asks for: how often an answer is right differs by kind (dates more often than names), and
    # for Korean and many-part questions (cross-validated decision accuracy 0.630 -> 0.639, 2026-12-07)
    "kind=money", "kind=count", "kind=percent", "kind=area", "kind=population", "kind=date", "kind=entity",
    "kind=explanation", "korean", "many_parts",
)  # fmt: skip


LINEAR = ("softmax", "logreg")
PROBABILITY_KINDS = ("logreg", "lightgbm")  # scorers whose scores are probabilities (the others: ranking scores)
SCORER_KINDS = ("softmax", "logreg", "lightgbm", "lambdarank")


class RankerFileError(QAError):
    """The ranker file is missing, damaged, or was trained on other features."""


@dataclass
class Scorer:
    kind: str  # "softmax" (listwise linear), "logreg" (pointwise linear), "lightgbm" or "lambdarank" (LightGBM)
    mean: np.ndarray | None = None
    scale: np.ndarray | None = None
    coef: np.ndarray | None = None
    intercept: float = 0.0
    booster: Any = None
    model_text: str | None = None

    def score(self, x: np.ndarray) -> np.ndarray:
        if len(x) == 0:
            return np.zeros(0, dtype=np.float64)
        if self.kind in LINEAR:
            z = ((x - self.mean) / self.scale) @ self.coef + self.intercept
            return z if self.kind == "softmax" else 1.0 / (1.0 + np.exp(-z))
        return np.asarray(self.booster.predict(x, num_threads=1), dtype=np.float64)

    def to_dict(self) -> dict[str, Any]:
        if self.kind in LINEAR:
            return {"kind": self.kind, "mean": self.mean.tolist(), "scale": self.scale.tolist(),
                    "coef": self.coef.tolist(), "intercept": float(self.intercept)}  # fmt: skip
        return {"kind": self.kind, "model": self.model_text}

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Scorer:
        if data["kind"] in LINEAR:
            return cls(data["kind"], np.asarray(data["mean"]), np.asarray(data["scale"]), np.asarray(data["coef"]),
                       float(data["intercept"]))  # fmt: skip
        import lightgbm

        text = data["model"]
        return cls(data["kind"], booster=lightgbm.Booster(model_str=text), model_text=text)


@dataclass
class Calibrator:
    """P(answer right | top score, margin, question signals): logistic model, then isotonic steps."""

    coef: np.ndarray
    intercept: float
    mean: np.ndarray
    scale: np.ndarray
    iso_x: np.ndarray
    iso_y: np.ndarray

    def probability(self, z: np.ndarray) -> np.ndarray:
        raw = 1.0 / (1.0 + np.exp(-(((z - self.mean) / self.scale) @ self.coef + self.intercept)))
        return np.interp(raw, self.iso_x, self.iso_y) if len(self.iso_x) else raw

    def to_dict(self) -> dict[str, Any]:
        return {"coef": self.coef.tolist(), "intercept": float(self.intercept), "mean": self.mean.tolist(),
                "scale": self.scale.tolist(), "iso_x": self.iso_x.tolist(), "iso_y": self.iso_y.tolist()}  # fmt: skip

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Calibrator:
        return cls(*(np.asarray(data[k], dtype=np.float64) if k != "intercept" else float(data[k])
                     for k in ("coef", "intercept", "mean", "scale", "iso_x", "iso_y")))  # fmt: skip


@dataclass
class Ranker:
    scorer: Scorer
    calibrator: Calibrator
    threshold: float
    report: dict[str, Any] = field(default_factory=dict)  # cross-validated figures and the reliability table

    def confidence(self, z: np.ndarray) -> float:
        return float(self.calibrator.probability(np.asarray(z, dtype=np.float64)[None, :])[0])

    def _bins(self) -> list[dict[str, Any]]:
        """The held-out reliability table of the kept scorer, as the page reads it (``qa_service.calibration``)."""
        kept = self.report.get("kept")
        table = self.report.get("cross_validated", {}).get(kept, {}).get("reliability", [])
        return [{"low": b["from"], "high": b["to"], "n": b["n"], "accuracy": b["accuracy"]} for b in table]

    def save(self, path: Path) -> None:
        data = {"format": FORMAT, "features": list(NAMES), "confidence_features": list(CONFIDENCE_FEATURES),
                "scorer": self.scorer.to_dict(), "calibrator": self.calibrator.to_dict(),
                "threshold": self.threshold, "report": self.report,
                "calibration": {"bins": self._bins()}}  # fmt: skip
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp = path.with_suffix(".tmp")
        tmp.write_text(json.dumps(data, indent=1), encoding="utf-8")
        tmp.replace(path)

    @classmethod
    def load(cls, path: Path | None = None) -> Ranker:
        path = Path(path or DEFAULT_FILE)
        try:
            data = json.loads(path.read_text(encoding="utf-8"))
        except FileNotFoundError:
            raise RankerFileError(f"{path}: no trained ranker; run `qa-service train`") from None
        except (OSError, ValueError) as exc:
            raise RankerFileError(f"{path}: not a readable ranker file ({exc})") from None
        if data.get("format") != FORMAT or data.get("features") != list(NAMES):
            raise RankerFileError(f"{path}: trained on other features than this code computes; run `qa-service train`")
        if data.get("confidence_features") != list(CONFIDENCE_FEATURES):
            raise RankerFileError(f"{path}: calibrated on other signals; run `qa-service train`")
        return cls(Scorer.from_dict(data["scorer"]), Calibrator.from_dict(data["calibrator"]),
                   float(data["threshold"]), data.get("report", {}))  # fmt: skip
