"""The benchmark: load a questions file, run it through the service, score it, write the reports.

``dataset`` (load and validate) -> ``runner`` (search in every configuration, ask, score) ->
``report`` (report.json, report.md, report.png, the README table); ``metrics`` holds the pure
scoring functions. ranx and matplotlib are imported only when a run needs them.
"""

from qa_service.evaluation.dataset import DatasetError, Question, load_questions
from qa_service.evaluation.report import update_readme, write_reports
from qa_service.evaluation.runner import MODES, failed_gates, parse_gates, run_eval

__all__ = [
    "MODES",
    "DatasetError",
    "Question",
    "failed_gates",
    "load_questions",
    "parse_gates",
    "run_eval",
    "update_readme",
    "write_reports",
]
