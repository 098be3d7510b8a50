"""Writes of the scale-up: recording a phase decision.

    record_decision(actor=…, unit=…, model=…, decision="hold", comment="…")

Every decision checks the permission (`policies.can_decide_phase`) and the territory scope,
requires a comment, freezes the gate check as it stands (the evidence), moves the territory
(advance, revert) by closing its current TerritoryPhase and opening the next one, all in one
transaction with one audit row.
"""

from __future__ import annotations

import datetime as dt

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from crecer.accounts import policies, scope
from crecer.core import audit
from crecer.core.models import AuditAction
from crecer.territory.models import OrgUnit

from . import queries
from .models import Decision, PhaseDecision, PhaseModel, TerritoryPhase

MAX_COMMENT = 4000


def record_decision(*, actor, unit: OrgUnit, model: PhaseModel, decision: str, comment: str,
                    effective_on: dt.date | None = None,
                    today: dt.date | None = None) -> PhaseDecision:
    """Record `decision` (advance / hold / revert) for the territory in `model`.

    advance: to the next phase (from no phase: into the first one); allowed when the gate is
    not met too: the committee's call, recorded with the gate status and its comment.
    hold: stays where it is. revert: back to the previous phase.
    Raises PermissionDenied (policy or scope) or ValidationError keyed by field."""
    if not policies.can_decide_phase(actor):
        raise PermissionDenied(_("You cannot record scale-up decisions."))
    if not scope.covers(actor, unit):
        raise PermissionDenied(_("This territory is outside your territories."))
    today = today or timezone.localdate()
    effective_on = effective_on or today
    comment = (comment or "").strip()
    errors: dict[str, str] = {}
    if decision not in Decision.values:
        errors["decision"] = _("Choose advance, hold or go back.")
    if not comment:
        errors["comment"] = _("Say why: the comment is required.")
    elif len(comment) > MAX_COMMENT:
        errors["comment"] = _("The comment is too long (at most %(n)s characters).") % {
            "n": MAX_COMMENT}
    if not queries.applies(model, unit):
        errors["model"] = _("%(model)s does not apply to %(unit)s (its level is not one of "
                            "the model's levels).") % {"model": model.label, "unit": unit.name}
    if effective_on > today:
        errors["effective_on"] = _("The decision cannot take effect in the future.")
    if errors:
        raise ValidationError(errors)
    with transaction.atomic():
        # Lock the territory's current phase row (PostgreSQL) so that two decisions made at
        # the same moment cannot both move it.
        now = (TerritoryPhase.objects.select_for_update()
               .filter(unit=unit, model=model, until__isnull=True).select_related("phase")
               .first())
        phase = now.phase if now else None
        check = queries.gate_check(unit, model, today=today)
        previous, following = queries.neighbours(model, phase)
        target = phase
        if decision == Decision.ADVANCE:
            if following is None:
                raise ValidationError({"decision": _(
                    "%(unit)s is already in the last phase (%(phase)s): it cannot advance.")
                    % {"unit": unit.name, "phase": phase.label if phase else ""}})
            target = following
        elif decision == Decision.REVERT:
            if previous is None:
                raise ValidationError({"decision": _(
                    "%(unit)s is not past the first phase: there is no phase to go back to.")
                    % {"unit": unit.name}})
            target = previous
        if now is not None and target != phase and effective_on < now.since:
            raise ValidationError({"effective_on": _(
                "The decision cannot take effect before the current phase began (%(date)s).")
                % {"date": now.since.isoformat()}})
        made = PhaseDecision.objects.create(
            unit=unit, model=model, decision=decision, from_phase=phase, to_phase=target,
            comment=comment, effective_on=effective_on, gate_status=check.status,
            evidence=check.to_dict(), decided_by=actor,
            decided_by_name=(actor.get_full_name() or actor.username)[:150])
        if target != phase:
            if now is not None:
                now.until = effective_on
                now.save(update_fields=["until"])
            TerritoryPhase.objects.create(unit=unit, model=model, phase=target,
                                          since=effective_on, decision=made)
        audit.record(actor=actor, action=AuditAction.CREATE, obj=made, changes={
            "unit": [None, unit.code], "model": [None, model.code],
            "decision": [None, decision],
            "phase": [phase.code if phase else None, target.code if target else None],
            "gate_status": [None, check.status], "comment": [None, comment]},
            territory_path=unit.path, note="scale-up decision")
    return made
