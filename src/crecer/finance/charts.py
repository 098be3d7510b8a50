"""Plotly figures of the finance pages, built on the server like the tablero's (same layout and
colours; drawn by tablero.js from the locally served plotly.min.js)."""

from __future__ import annotations

import plotly.graph_objects as go
from django.utils.translation import gettext as _

from crecer.tablero.charts import ACCENT, BARS, TARGET
from crecer.tablero.charts import _layout as tablero_layout

from .models import SourceKind
from .projection import Projection
from .queries import Overview

KIND_LABELS = dict(SourceKind.choices)


def _f(value) -> float | None:
    return None if value is None else float(value)


def coverage_figure(p: Projection) -> go.Figure:
    """Municipalities covered (bars) and beneficiary families (line, right axis) per year."""
    years = [str(y.year) for y in p.years]
    fig = go.Figure(layout=tablero_layout(
        yaxis=dict(title_text=_("municipalities"), rangemode="tozero", gridcolor="#eef1ef"),
        yaxis2=dict(title_text=_("families"), overlaying="y", side="right", rangemode="tozero",
                    showgrid=False)))
    fig.add_trace(go.Bar(x=years, y=[y.municipalities for y in p.years],
                         name=_("Municipalities"), marker_color=BARS[1],
                         hovertemplate="%{y:,.0f}<extra></extra>"))
    fig.add_trace(go.Scatter(x=years, y=[y.beneficiaries for y in p.years], yaxis="y2",
                             name=_("Beneficiary families"), mode="lines+markers",
                             line=dict(color=ACCENT, width=3),
                             hovertemplate="%{y:,.0f}<extra></extra>"))
    return fig


def cost_figure(p: Projection) -> go.Figure:
    """Total cost per year, stacked by source kind (who pays it)."""
    years = [str(y.year) for y in p.years]
    fig = go.Figure(layout=tablero_layout(barmode="stack"))
    for i, kind in enumerate(p.kinds_used):
        fig.add_trace(go.Bar(x=years, y=[float(y.amounts[kind]) for y in p.years],
                             name=str(KIND_LABELS[kind]).capitalize(),
                             marker_color=BARS[i % len(BARS)],
                             hovertemplate="%{y:,.0f} USD<extra></extra>"))
    fig.update_yaxes(title_text="USD", tickformat=",.0f")
    return fig


def share_figure(p: Projection) -> go.Figure:
    """Each source kind's share of the year's cost (%), and the government share."""
    years = [str(y.year) for y in p.years]
    fig = go.Figure(layout=tablero_layout(barmode="stack"))
    for i, kind in enumerate(p.kinds_used):
        fig.add_trace(go.Bar(x=years, y=[float(y.shares[kind]) for y in p.years],
                             name=str(KIND_LABELS[kind]).capitalize(),
                             marker_color=BARS[i % len(BARS)],
                             hovertemplate="%{y:.1f} %<extra></extra>"))
    fig.add_trace(go.Scatter(x=years, y=[float(y.government_share) for y in p.years],
                             name=_("Government share"), mode="lines+markers",
                             line=dict(color=TARGET, width=3, dash="dash"),
                             hovertemplate="%{y:.1f} %<extra></extra>"))
    fig.update_yaxes(ticksuffix=" %", range=[0, 100])
    return fig


def years_figure(o: Overview) -> go.Figure:
    """Budget and expenditure per year (bars) and the government share (line, right axis)."""
    years = [str(y.year) for y in o.years]
    fig = go.Figure(layout=tablero_layout(
        barmode="group",
        yaxis=dict(title_text="USD", tickformat=",.0f", rangemode="tozero", gridcolor="#eef1ef"),
        yaxis2=dict(ticksuffix=" %", overlaying="y", side="right", range=[0, 100],
                    showgrid=False)))
    fig.add_trace(go.Bar(x=years, y=[float(y.budget) for y in o.years], name=_("Budget"),
                         marker_color=BARS[1], hovertemplate="%{y:,.0f} USD<extra></extra>"))
    fig.add_trace(go.Bar(x=years, y=[float(y.expenditure) for y in o.years],
                         name=_("Expenditure"), marker_color=ACCENT,
                         hovertemplate="%{y:,.0f} USD<extra></extra>"))
    fig.add_trace(go.Scatter(x=years, y=[_f(y.government_share) for y in o.years], yaxis="y2",
                             name=_("Government share"), mode="lines+markers",
                             line=dict(color=TARGET, width=3),
                             hovertemplate="%{y:.1f} %<extra></extra>"))
    return fig


def sources_figure(o: Overview) -> go.Figure:
    """Budget against expenditure of each funding source in the year."""
    names = [r.source.name for r in o.sources]
    fig = go.Figure(layout=tablero_layout(barmode="group", hovermode="closest"))
    fig.add_trace(go.Bar(x=names, y=[float(r.budget) for r in o.sources], name=_("Budget"),
                         marker_color=BARS[1], hovertemplate="%{y:,.0f} USD<extra></extra>"))
    fig.add_trace(go.Bar(x=names, y=[float(r.expenditure) for r in o.sources],
                         name=_("Expenditure"), marker_color=ACCENT,
                         hovertemplate="%{y:,.0f} USD<extra></extra>"))
    fig.update_yaxes(title_text="USD", tickformat=",.0f")
    return fig
