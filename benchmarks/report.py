"""The suite's results as a Markdown table, the issue-6 targets met or missed, and a growth chart."""

from __future__ import annotations

NAMES = {"sqlite": "SQLite", "postgresql": "PostgreSQL"}


def _size(n: int) -> str:
    return f"{n // 1_000_000}M" if n >= 1_000_000 and n % 1_000_000 == 0 else f"{n // 1000}k"


def _lat(r: dict | None) -> str:
    if not r:
        return "–"
    if "p50" not in r:  # a figure kept from a log: p95 only
        return f"– / {r['p95']:.0f} / – ms"
    errors = f", **{r['errors']} errors**" if r.get("errors") else ""
    return (f"{r['p50']:.0f} / {r['p95']:.0f} / {r['p99']:.0f} ms ({r['rps']:.0f} req/s"
            f"{errors})")


def _time(r: dict | None, key: str = "seconds") -> str:
    if not r:
        return "–"
    return f"{r[key]:,.1f} s, {r['peak_mb']:,.0f} MB"


def _prf(r: dict | None) -> str:
    if not r:
        return "–"
    return (f"{r['seconds']:,.0f} s, {r['peak_mb']:,.0f} MB; P {r['precision']:.3f} "
            f"R {r['recall']:.3f} F1 **{r['f1']:.3f}** ({r['pairs']:,} pairs)")


ROWS = [
    ("load (`crecer synth`): time, peak", lambda f: _time(f.get("load"))),
    ("database size", lambda f: f"{f['prepare']['db_bytes'] / 1e9:,.2f} GB"),
    ("full indicator refresh: time, peak", lambda f: _time(f.get("full_refresh"))),
    ("analytics files (extract + results)", lambda f: f"{f['analytics_mb']:,.0f} MB"),
    ("reference: 2 indicators × every municipality, 1 year, plain SQL",
     lambda f: (f"{f['reference']['reference_s']:,.2f} s (engine read "
                f"{f['reference']['engine_s'] * 1000:,.0f} ms); "
                f"{f['reference']['mismatched']} of {f['reference']['values']} values differ")),
    ("incremental refresh after 10,000 new contacts", lambda f: _time(f.get("incremental_refresh"))),
    ("tablero pages computed, 10 clients: p50 / p95 / p99",
     lambda f: _lat(f.get("tablero_10_off"))),
    ("tablero pages computed, 50 clients", lambda f: _lat(f.get("tablero_50_off"))),
    ("tablero pages cached, 10 clients", lambda f: _lat(f.get("tablero_10_on"))),
    ("tablero pages cached, 50 clients", lambda f: _lat(f.get("tablero_50_on"))),
    ("indicator API computed, 10 clients", lambda f: _lat(f.get("api_10_off"))),
    ("indicator API computed, 50 clients", lambda f: _lat(f.get("api_50_off"))),
    ("indicator API cached, 10 clients", lambda f: _lat(f.get("api_10_on"))),
    ("indicator API cached, 50 clients", lambda f: _lat(f.get("api_50_on"))),
    ("web server peak (per process)", lambda f: f"{f['server_peak_mb']:,.0f} MB"),
    ("sync ingest (4 phones × batches of 500)",
     lambda f: (f"{f['sync']['per_second']:,.0f} contacts/s (batch p95 "
                f"{f['sync']['p95']:,.0f} ms; {f['sync']['refused']} refused)")),
    ("duplicate search at entry: p50 / p95 / p99",
     lambda f: (f"{f['entry_search']['p50']:.1f} / {f['entry_search']['p95']:.1f} / "
                f"{f['entry_search']['p99']:.1f} ms; original first in "
                f"{f['entry_search']['hit_rate']:.0%}, false alarms "
                f"{f['entry_search']['false_alarm_rate']:.0%}")),
    ("batch duplicate job (Splink, tuned model)", lambda f: _prf(f.get("batch_dedup"))),
    ("reference: Splink directly, standard comparisons", lambda f: _prf(f.get("splink_reference"))),
]


def markdown(results: list[dict]) -> str:
    heads = [f"{NAMES.get(r['backend'], r['backend'])} {_size(r['persons'])}" for r in results]
    lines = ["| step | " + " | ".join(heads) + " |", "|---|" + "---|" * len(results)]
    for label, cell in ROWS:
        values = []
        for r in results:
            try:
                values.append(cell(r))
            except (KeyError, TypeError):
                values.append("–")
        lines.append(f"| {label} | " + " | ".join(values) + " |")
    return "\n".join(lines)


def _peak(r: dict) -> float:
    return max(v["peak_mb"] for v in r.values() if isinstance(v, dict) and "peak_mb" in v)


# (label, target, measure(figures) -> value, higher is better)
TARGETS = [
    ("full refresh", 60.0, "s", lambda f: f["full_refresh"]["seconds"], False),
    ("incremental refresh", 2.0, "s", lambda f: f["incremental_refresh"]["seconds"], False),
    ("tablero p95, 50 clients, computed", 100.0, "ms", lambda f: f["tablero_50_off"]["p95"],
     False),
    ("tablero p95, 50 clients, cached", 100.0, "ms", lambda f: f["tablero_50_on"]["p95"], False),
    ("API p95, 50 clients, computed", 100.0, "ms", lambda f: f["api_50_off"]["p95"], False),
    ("API p95, 50 clients, cached", 100.0, "ms", lambda f: f["api_50_on"]["p95"], False),
    ("sync ingest", 5000.0, "contacts/s", lambda f: f["sync"]["per_second"], True),
    ("entry duplicate search p95", 100.0, "ms", lambda f: f["entry_search"]["p95"], False),
    ("batch F1", 0.95, "", lambda f: f["batch_dedup"]["f1"], True),
    ("peak memory of any step", 8192.0, "MB", _peak, False),
]


def targets(results: list[dict]) -> str:
    """Each target against the largest size measured on each backend."""
    lines = ["| target (issue 6, at 10M persons) | " + " | ".join(
        f"{NAMES.get(r['backend'], r['backend'])} {_size(r['persons'])}"
        for r in _largest(results)) + " |", "|---|" + "---|" * len(_largest(results))]
    for label, goal, unit, measure, higher in TARGETS:
        cells = []
        for r in _largest(results):
            try:
                value = measure(r)
            except (KeyError, TypeError, ValueError):
                cells.append("–")
                continue
            met = value >= goal if higher else value <= goal
            ratio = (goal / value if higher else value / goal) if value else float("inf")
            shown = f"{value:,.3f}" if goal < 1 else f"{value:,.0f}"
            cells.append(f"{shown} {unit}".strip() + ": "
                         + ("met" if met else f"**missed ×{ratio:,.1f}**"))
        sign = "≥" if higher else "<"
        goal_shown = f"{goal:,.2f}" if goal < 1 else f"{goal:,.0f}"
        lines.append(f"| {label} {sign} {goal_shown} {unit}".rstrip() + " | "
                     + " | ".join(cells) + " |")
    return "\n".join(lines)


def _largest(results: list[dict]) -> list[dict]:
    best: dict[str, dict] = {}
    for r in results:
        if r["backend"] not in best or r["persons"] > best[r["backend"]]["persons"]:
            best[r["backend"]] = r
    return list(best.values())


def chart(results: list[dict], path: str) -> None:
    """Time and peak memory of the heavy steps against the number of persons (log-log)."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    matplotlib.rcParams["svg.hashsalt"] = "crecer"
    steps = [("load", "load (synth)"), ("full_refresh", "full refresh"),
             ("incremental_refresh", "incremental refresh"), ("batch_dedup", "batch dedup"),
             ("splink_reference", "Splink directly")]
    fig, (left, right) = plt.subplots(1, 2, figsize=(11, 4.2))
    for backend, style in (("sqlite", "-"), ("postgresql", "--")):
        rows = sorted((r for r in results if r["backend"] == backend), key=lambda r: r["persons"])
        if not rows:
            continue
        xs = [r["persons"] for r in rows]
        for n, (key, label) in enumerate(steps):
            color = f"C{n}"
            ys = [r.get(key, {}).get("seconds") for r in rows]
            if all(y is not None for y in ys):
                left.plot(xs, ys, style, marker="o", color=color,
                          label=f"{label}, {NAMES[backend]}")
            ms = [r.get(key, {}).get("peak_mb") for r in rows]
            if all(m is not None for m in ms):
                right.plot(xs, [m / 1024 for m in ms], style, marker="o", color=color,
                           label=f"{label}, {NAMES[backend]}")
    for ax, title, unit in ((left, "time", "seconds"), (right, "peak memory", "GB")):
        ax.set_xscale("log")
        ax.set_yscale("log")
        ax.set_xlabel("persons in the registry")
        ax.set_ylabel(unit)
        ax.set_title(title)
        ax.grid(True, which="both", alpha=0.3)
    left.axhline(60, color="grey", linewidth=0.8, linestyle=":")
    right.axhline(8, color="grey", linewidth=0.8, linestyle=":")
    left.legend(fontsize=7)
    fig.tight_layout()
    fig.savefig(path, metadata={"Date": None})
    plt.close(fig)
