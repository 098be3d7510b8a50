"""The benchmark suite's report: targets are judged against the largest size of each backend,
met or missed by the right factor, and a missing figure is shown as missing, not as met."""

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "benchmarks"))

import report  # noqa: E402


def figures(backend, persons, refresh, f1, sync=None):
    out = {"backend": backend, "persons": persons,
           "full_refresh": {"seconds": refresh, "peak_mb": 900.0},
           "batch_dedup": {"seconds": 10.0, "peak_mb": 9000.0, "f1": f1, "precision": 1.0,
                           "recall": f1, "pairs": 10}}
    if sync is not None:
        out["sync"] = {"per_second": sync}
    return out


def test_targets_use_the_largest_size_and_say_by_how_much():
    text = report.targets([figures("sqlite", 100_000, 30.0, 0.99, sync=6000.0),
                           figures("sqlite", 1_000_000, 240.0, 0.90, sync=2500.0)])
    header, _rule, *rows = text.splitlines()
    assert "SQLite 1M" in header and "100k" not in header
    row = {r.split(" | ")[0].lstrip("| "): r for r in rows}
    assert "**missed ×4.0**" in row["full refresh < 60 s"]
    assert "0.900: **missed ×1.1**" in row["batch F1 ≥ 0.95"]
    assert "2,500 contacts/s: **missed ×2.0**" in row["sync ingest ≥ 5,000 contacts/s"]
    assert "9,000 MB: **missed ×1.1**" in row["peak memory of any step < 8,192 MB"]
    assert row["incremental refresh < 2 s"].endswith("| – |")  # not measured: not "met"


def test_table_has_one_column_per_run_and_dashes_for_missing_steps():
    table = report.markdown([figures("sqlite", 100_000, 30.0, 0.99),
                             figures("postgresql", 100_000, 45.0, 0.98)])
    lines = table.splitlines()
    assert lines[0] == "| step | SQLite 100k | PostgreSQL 100k |"
    refresh = next(line for line in lines if line.startswith("| full indicator refresh"))
    assert "30.0 s, 900 MB" in refresh and "45.0 s, 900 MB" in refresh
    sync = next(line for line in lines if line.startswith("| sync ingest"))
    assert sync.endswith("| – | – |")
