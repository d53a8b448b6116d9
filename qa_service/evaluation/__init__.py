"""The benchmark: load a questions file, run it through the service, score it, write the reports.

``dataset`` (load and validate) -> ``runner`` (search in every configuration, ask, score) ->
``report`` (report.json, report.md, report.png, the README table); ``metrics`` holds the pure
scoring functions. ranx and matplotlib are imported only when a run needs them.
"""

from qa_service.answering.ranker import SCORER_KINDS
from qa_service.evaluation.beir import export_beir
from qa_service.evaluation.dataset import DatasetError, Question, load_questions
from qa_service.evaluation.report import fmt, readme_table, update_readme, write_reports
from qa_service.evaluation.runner import MODES, failed_gates, parse_gates, run_eval
from qa_service.evaluation.stores import parse_stores, run_store_eval, write_store_reports
from qa_service.evaluation.training import train_and_report

__all__ = [
    "MODES",
    "SCORER_KINDS",
    "DatasetError",
    "Question",
    "export_beir",
    "failed_gates",
    "fmt",
    "load_questions",
    "parse_gates",
    "parse_stores",
    "readme_table",
    "run_eval",
    "run_store_eval",
    "train_and_report",
    "update_readme",
    "write_reports",
    "write_store_reports",
]
