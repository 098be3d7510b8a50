"""What the scale-up pages show (context builders; the views stay thin)."""

from __future__ import annotations

import datetime as dt

from django.urls import reverse
from django.utils.translation import gettext as _

from crecer.accounts import policies, scope
from crecer.tablero import svgmap
from crecer.territory.models import Level, OrgUnit

from . import queries
from .forms import DecisionForm
from .models import Decision, PhaseModel


def gate_label(status: str) -> str:
    return {
        queries.MET: _("gate met"), queries.NOT_MET: _("gate not met"),
        queries.INCOMPLETE: _("data missing"), queries.NO_GATE: _("no criteria"),
    }.get(status, status)


def chosen_model(code: str, choices: list[PhaseModel]) -> PhaseModel | None:
    return next((m for m in choices if m.code == code), choices[0] if choices else None)


def index_page(user, params, *, today: dt.date | None = None) -> dict:
    models = list(PhaseModel.objects.filter(active=True))
    model = chosen_model(params.get("model", ""), models)
    ctx: dict = {"models": models, "model": model, "table": None, "map": None}
    if model is None:
        return ctx
    table = queries.phase_table(user, model, level=params.get("level", ""),
                                phase=params.get("phase", ""), today=today)
    names = {p.position: p.label for p in table.phases}
    rows = table.rows
    the_map = svgmap.draw(
        [svgmap.Item(unit_id=r.unit.pk, name=r.unit.name,
                     value=float(r.phase.position) if r.phase else None,
                     label=r.phase.label if r.phase else _("not started"),
                     href=f"{reverse('scaleup:unit', args=[r.unit.pk])}?model={model.code}",
                     boundary=r.unit.boundary, latitude=r.unit.latitude,
                     longitude=r.unit.longitude) for r in rows],
        title=_("%(model)s: phase of each %(level)s") % {
            "model": model.label, "level": (table.level.name if table.level else "").lower()},
        format_value=lambda v: names.get(round(v), ""),
        labels=True) if rows else None
    ctx.update({
        "table": table, "rows": rows, "map": the_map, "level": table.level,
        "levels": table.levels, "phase_filter": params.get("phase", ""),
        "phase_counts": [(p, table.counts.get(p.pk, 0)) for p in table.phases],
        "not_started": table.counts.get(None, 0),
        "total": sum(table.counts.values()),
    })
    return ctx


def unit_page(user, unit: OrgUnit, params, *, form: DecisionForm | None = None,
              today: dt.date | None = None) -> dict:
    models = queries.models_for(unit)
    model = chosen_model(params.get("model", ""), models)
    level = Level.objects.filter(depth=unit.depth).first()
    crumbs = [u for u in OrgUnit.objects.filter(pk__in=unit.ancestor_ids()).exclude(pk=unit.pk)
              .order_by("depth") if scope.covers(user, u)]
    ctx: dict = {"unit": unit, "level": level.name if level else "", "models": models,
                 "model": model, "crumbs": crumbs}
    if model is None:
        return ctx
    check = queries.gate_check(unit, model, today=today)
    can_decide = policies.can_decide_phase(user) and queries.applies(model, unit)
    choices = allowed_decisions(check)
    if can_decide and form is None:
        form = DecisionForm(initial={"model": model.code, "decision": Decision.HOLD},
                            decisions=choices)
    elif form is not None:
        form.fields["decision"].choices = choices
    phases = queries.phases_of(model)
    position = check.phase.position if check.phase else 0
    ctx.update({
        "check": check, "phases": phases, "position": position,
        "history": queries.history(unit, model), "decisions": queries.decisions(unit, model),
        "can_decide": can_decide, "form": form if can_decide else None,
        "gate_text": gate_label(check.status),
        "tablero_url": reverse("tablero:unit", args=[unit.pk]),
    })
    return ctx


def allowed_decisions(check: queries.GateCheck) -> list[tuple[str, str]]:
    """The decisions that make sense here, with labels naming the phase they lead to."""
    out = []
    if check.next_phase is not None:
        label = (_("Advance to %(phase)s") if check.phase else _("Start with %(phase)s")) % {
            "phase": check.next_phase.label}
        out.append((Decision.ADVANCE.value, label))
    out.append((Decision.HOLD.value, _("Hold in %(phase)s") % {"phase": check.phase.label}
                if check.phase else _("Hold (do not start yet)")))
    if check.previous_phase is not None:
        out.append((Decision.REVERT.value, _("Go back to %(phase)s") % {
            "phase": check.previous_phase.label}))
    return out
