"""Charts: Plotly figures built on the server (`fig.to_json()`, drawn in the page by
`Plotly.newPlot` from the locally served plotly.min.js) and tiny SVG sparklines for the cards.
"""

from __future__ import annotations

import math

import plotly.graph_objects as go
from django.utils.html import format_html
from django.utils.safestring import SafeString, mark_safe

ACCENT = "#0b7a5c"
TARGET = "#b35c00"
BARS = ("#0b7a5c", "#74a9cf", "#b35c00", "#807dba", "#d94801", "#41ab5d", "#969696")
_JSON_ESCAPES = {ord(">"): "\\u003E", ord("<"): "\\u003C", ord("&"): "\\u0026"}

SPARK_W, SPARK_H = 120, 28


def script_json(fig: go.Figure) -> SafeString:
    """The figure's JSON, safe inside <script type="application/json"> (as json_script does)."""
    return mark_safe(fig.to_json().translate(_JSON_ESCAPES))


def _layout(**extra) -> dict:
    layout = dict(template=None, margin=dict(l=48, r=16, t=16, b=40), height=320,
                  font=dict(family="system-ui, sans-serif", size=13, color="#1d2a33"),
                  paper_bgcolor="#fff", plot_bgcolor="#fff", hovermode="x unified",
                  xaxis=dict(gridcolor="#eef1ef", linecolor="#d9e0dd"),
                  yaxis=dict(gridcolor="#eef1ef", linecolor="#d9e0dd", rangemode="tozero"),
                  legend=dict(orientation="h", y=-0.18))
    layout.update(extra)
    return layout


def series_figure(*, labels: list[str], values: list[float | None],
                  targets: list[float | None], name: str, target_name: str, unit: str,
                  decimals: int) -> go.Figure:
    """The indicator over the periods, with its target (a dashed line) where there is one."""
    fig = go.Figure(layout=_layout())
    fmt = f".{decimals}f"
    fig.add_trace(go.Scatter(x=labels, y=values, name=name, mode="lines+markers",
                             line=dict(color=ACCENT, width=3), connectgaps=False,
                             hovertemplate=f"%{{y:{fmt}}} {unit}<extra></extra>"))
    if any(t is not None for t in targets):
        fig.add_trace(go.Scatter(x=labels, y=targets, name=target_name, mode="lines",
                                 line=dict(color=TARGET, width=2, dash="dash"),
                                 hovertemplate=f"%{{y:{fmt}}} {unit}<extra></extra>"))
    _value_axis(fig, unit, decimals, values + targets)
    return fig


def _value_axis(fig: go.Figure, unit: str, decimals: int, values: list[float | None]) -> None:
    """Ticks in the indicator's unit ("%" after each tick, other units as the axis title);
    whole-number ticks for counts."""
    if unit == "%":
        fig.update_yaxes(ticksuffix=" %")
    elif unit:
        fig.update_yaxes(title_text=unit)
    if decimals == 0:
        top = max((v for v in values if v is not None), default=0)
        fig.update_yaxes(tickformat=",.0f", **({"dtick": 1} if top <= 5 else {}))


def bars_figure(*, categories: list[str], values: list[float | None], unit: str,
                decimals: int, target: float | None = None, target_name: str = "") -> go.Figure:
    """One bar per value of a disaggregation (or per unit)."""
    fig = go.Figure(layout=_layout(hovermode="closest", showlegend=False))
    fig.add_trace(go.Bar(x=categories, y=values, marker_color=[
        BARS[i % len(BARS)] for i in range(len(categories))],
        text=[None if v is None else f"{v:.{decimals}f}" for v in values],
        textposition="outside", hovertemplate=f"%{{x}}: %{{y:.{decimals}f}} {unit}<extra></extra>"))
    if target is not None:
        fig.add_hline(y=target, line_dash="dash", line_color=TARGET,
                      annotation_text=target_name, annotation_position="top left")
    _value_axis(fig, unit, decimals, values + [target])
    return fig


def sparkline(values: list[float | None], *, label: str = "") -> SafeString:
    """A small line of the latest values (gaps where there is none); empty without two values."""
    present = [v for v in values if v is not None and math.isfinite(v)]
    if len(present) < 2:
        return mark_safe("")
    low, high = min(present), max(present)
    span = (high - low) or 1.0
    step = (SPARK_W - 4) / max(len(values) - 1, 1)
    segments: list[list[str]] = [[]]
    last = None
    for i, v in enumerate(values):
        if v is None or not math.isfinite(v):
            if segments[-1]:
                segments.append([])
            continue
        x = 2 + i * step
        y = SPARK_H - 3 - (v - low) / span * (SPARK_H - 6)
        segments[-1].append(f"{x:.1f},{y:.1f}")
        last = (x, y)
    lines = "".join(format_html('<polyline points="{}"/>', " ".join(s))
                    for s in segments if len(s) > 1)
    dot = format_html('<circle cx="{}" cy="{}" r="2.5"/>', f"{last[0]:.1f}",
                      f"{last[1]:.1f}") if last else ""
    return format_html(
        '<svg class="spark" viewBox="0 0 {} {}" width="{}" height="{}" role="img" '
        'aria-label="{}">{}{}</svg>', SPARK_W, SPARK_H, SPARK_W, SPARK_H, label,
        mark_safe(lines), mark_safe(dot))
