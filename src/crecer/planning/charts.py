"""Plotly figures of the planning pages, built on the server and drawn in the browser by the
tablero's script from the locally served plotly.min.js (see `crecer.tablero.charts`)."""

from __future__ import annotations

import plotly.graph_objects as go
from django.utils.safestring import SafeString

from crecer.tablero.charts import ACCENT, script_json


def _layout(**extra) -> dict:
    layout = dict(template=None, margin=dict(l=48, r=48, t=24, b=32), height=380,
                  font=dict(family="system-ui, sans-serif", size=13, color="#1d2a33"),
                  paper_bgcolor="#fff", plot_bgcolor="#fff", showlegend=False)
    layout.update(extra)
    return layout


def dimension_radar(labels: list[str], percents: list[float | None]) -> SafeString:
    """The answered dimensions' scores (% of the scale) on a radar, closed back to the first."""
    values = [p if p is not None else 0 for p in percents]
    fig = go.Figure(layout=_layout(polar=dict(
        radialaxis=dict(range=[0, 100], ticksuffix=" %", gridcolor="#e3e8e6"),
        angularaxis=dict(gridcolor="#e3e8e6"))))
    fig.add_trace(go.Scatterpolar(r=values + values[:1], theta=labels + labels[:1],
                                  fill="toself", line=dict(color=ACCENT, width=3),
                                  fillcolor="rgba(11,122,92,0.18)",
                                  hovertemplate="%{theta}: %{r:.0f} %<extra></extra>"))
    return script_json(fig)


def round_bars(labels: list[str], baseline: list[float | None], follow_up: list[float | None],
               baseline_name: str, follow_up_name: str) -> SafeString:
    """Baseline and follow-up means of the parenting scale, side by side per round."""
    fig = go.Figure(layout=_layout(barmode="group", showlegend=True, height=320,
                                   legend=dict(orientation="h", y=-0.2),
                                   yaxis=dict(range=[0, 100], gridcolor="#eef1ef"),
                                   hovermode="x unified"))
    fig.add_trace(go.Bar(x=labels, y=baseline, name=baseline_name, marker_color="#74a9cf",
                         hovertemplate="%{y:.1f}<extra></extra>"))
    fig.add_trace(go.Bar(x=labels, y=follow_up, name=follow_up_name, marker_color=ACCENT,
                         hovertemplate="%{y:.1f}<extra></extra>"))
    return script_json(fig)

