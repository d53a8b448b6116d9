"""``qa-service bench``: how fast the service ingests, answers, serves, scales and starts.

One module per measurement (ingest_bench, latency, http_load, scale, cold_start), the naive baseline
they are compared with (baseline), the synthetic inputs (synthetic), the run (runner) and its report
(report: eval/bench.json and eval/bench.md). Nothing heavy is imported here: the names the CLI uses are
loaded on first access.
"""

from __future__ import annotations

from importlib import import_module
from typing import Any

_EXPORTS = {
    "SECTIONS": "qa_service.benchmark.runner",
    "BenchOptions": "qa_service.benchmark.runner",
    "run_bench": "qa_service.benchmark.runner",
    "write_report": "qa_service.benchmark.report",
    "failures": "qa_service.benchmark.targets",
    "run_reliability": "qa_service.benchmark.reliability",
}
# No public name may be a submodule's name: once imported, a submodule is an attribute of the package and shadows
# it (``targets`` the function vs ``targets`` the module), hence check_targets.
_RENAMED = {  # the reliability run's own report and failures, under names that do not clash with the bench's
    "check_targets": ("qa_service.benchmark.targets", "targets"),
    "reliability_failures": ("qa_service.benchmark.reliability", "failures"),
    "write_reliability_report": ("qa_service.benchmark.reliability", "write_report"),
}
__all__ = [
    "SECTIONS", "BenchOptions", "check_targets", "failures", "reliability_failures", "run_bench", "run_reliability",
    "write_reliability_report", "write_report",
]  # fmt: skip


def __getattr__(name: str) -> Any:
    if name in _RENAMED:
        module, attr = _RENAMED[name]
        return getattr(import_module(module), attr)
    module = _EXPORTS.get(name)
    if module is None:
        raise AttributeError(f"module 'qa_service.benchmark' has no attribute {name!r}")
    return getattr(import_module(module), name)
