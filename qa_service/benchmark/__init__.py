"""``qa-service bench``: how fast the service ingests, answers, serves, scales and starts.

One module per measurement (ingest_bench, latency, http_load, scale, cold_start), the naive baseline
they are compared with (baseline), the synthetic inputs (synthetic), the run (runner) and its report
(report: eval/bench.json and eval/bench.md). Nothing heavy is imported here.
"""
