"""Writes of compliance checks: the monthly verification and the health/education file import.

Both check `policies.can_verify_coresponsibility` and the actor's territory, run in one
transaction and are audited.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from typing import Any

from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from crecer.accounts import policies, scope
from crecer.core import audit
from crecer.core.models import AuditAction, AuditEvent
from crecer.fieldwork.models import Contact, ContactStatus
from crecer.programmes.models import EnrolmentStatus
from crecer.registry.models import PersonRole, RoleKind
from crecer.registry.queries import households_for, persons_for
from crecer.territory.queries import subtree_q

from . import healthfile, rules
from .models import ComplianceCheck, Source

EXTERNAL = (Source.HEALTH_SYSTEM, Source.EDUCATION_SYSTEM)


def _require(actor) -> None:
    if not policies.can_verify_coresponsibility(actor):
        raise PermissionDenied(_("You cannot verify co-responsibilities."))


def enrolled_households(actor, programme, *, period_end: dt.date, municipality=None):
    """Households in the actor's scope (and the municipality) with an active enrolment in the
    programme that started by the end of the period."""
    qs = households_for(actor).filter(
        enrolments__programme=programme, enrolments__status=EnrolmentStatus.ACTIVE,
        enrolments__start__lte=period_end)
    if municipality is not None:
        qs = qs.filter(subtree_q([municipality.path], field="territory__path"))
    return qs.distinct()


def _members(actor, household_ids) -> dict[Any, list[rules.Member]]:
    persons = list(persons_for(actor).filter(household_id__in=household_ids)
                   .order_by("birth_date", "given_names"))
    pregnant = set(PersonRole.objects.filter(
        person__in=[p.pk for p in persons], role=RoleKind.PREGNANT, active=True,
    ).values_list("person_id", flat=True))
    out: dict[Any, list[rules.Member]] = defaultdict(list)
    for p in persons:
        out[p.household_id].append(rules.Member(p.pk, p.full_name, p.birth_date, p.pk in pregnant))
    return out


def _evidence(household_ids, start: dt.date, end: dt.date) -> dict[tuple, str]:
    """(household id, condition code) -> id of the first contact of the month that saw it."""
    tz = timezone.get_current_timezone()
    since = dt.datetime.combine(start, dt.time.min, tzinfo=tz)
    until = dt.datetime.combine(end + dt.timedelta(days=1), dt.time.min, tzinfo=tz)
    out: dict[tuple, str] = {}
    contacts = (Contact.objects.filter(household_id__in=household_ids, occurred_at__gte=since,
                                       occurred_at__lt=until)
                .exclude(status=ContactStatus.RETURNED).order_by("occurred_at")
                .values_list("pk", "household_id", "coresponsibility_evidence"))
    for pk, household_id, codes in contacts:
        for code in codes or []:
            out.setdefault((household_id, code), str(pk))
    return out


def missing_reason(cond: dict, person_name: str, period: str) -> str:
    return _("No evidence of “%(condition)s” (%(code)s) for %(person)s in %(period)s.") % {
        "condition": cond["name"], "code": cond["code"], "person": person_name, "period": period}


def verify_period(*, actor, programme, period: str, municipality) -> dict[str, int]:
    """Check every applicable co-responsibility of every enrolled household of the
    municipality for the month, in a few set-based queries.

    A condition is met when a contact of the month carried its code as evidence, or a row of
    the health or education system said so (those rows are kept as they are). Otherwise the
    check is not compliant, with a reason naming the condition, the person and the month.
    """
    _require(actor)
    if not scope.covers(actor, municipality):
        raise PermissionDenied(_("This municipality is outside your territories."))
    start, end = rules.parse_period(period)
    period = rules.period_of(start)
    households = list(enrolled_households(actor, programme, period_end=end,
                                          municipality=municipality))
    ids = [h.pk for h in households]
    members = _members(actor, ids)
    evidence = _evidence(ids, start, end)
    now = timezone.now()
    with transaction.atomic():
        existing = {(c.household_id, c.condition, c.person_id): c
                    for c in ComplianceCheck.objects.select_for_update().filter(
                        programme=programme, period=period, household_id__in=ids)}
        create, update, wanted = [], [], set()
        counts = {"households": len(ids), "compliant": 0, "not_compliant": 0}
        for h in households:
            for cond, m in rules.applicable(programme.config, members.get(h.pk, []), end):
                key = (h.pk, cond["code"], m.pk)
                wanted.add(key)
                old = existing.get(key)
                ref = evidence.get((h.pk, cond["code"]))
                if old is not None and old.source in EXTERNAL and (old.compliant or not ref):
                    counts["compliant" if old.compliant else "not_compliant"] += 1
                    continue
                values = {"compliant": ref is not None, "source": Source.VOLUNTEER,
                          "evidence_ref": ref or "",
                          "reason": "" if ref else missing_reason(cond, m.name, period),
                          "checked_by": actor}
                counts["compliant" if ref else "not_compliant"] += 1
                if old is None:
                    create.append(ComplianceCheck(household=h, programme=programme,
                                                  period=period, condition=cond["code"],
                                                  person_id=m.pk, **values))
                else:
                    for k, v in values.items():
                        setattr(old, k, v)
                    old.updated_at = now
                    update.append(old)
        stale = [c.pk for k, c in existing.items() if k not in wanted and c.source == Source.VOLUNTEER]
        ComplianceCheck.objects.filter(pk__in=stale).delete()
        ComplianceCheck.objects.bulk_create(create, batch_size=1000)
        ComplianceCheck.objects.bulk_update(
            update, ["compliant", "source", "evidence_ref", "reason", "checked_by", "updated_at"],
            batch_size=1000)
        audit.record(actor=actor, action=AuditAction.UPDATE, obj=programme,
                     territory_path=municipality.path,
                     note="co-responsibility verification",
                     changes={"period": period, "municipality": municipality.code,
                              **counts, "removed": len(stale)})
    return counts


def import_health_file(*, actor, programme, period: str, file,
                       source: str = Source.HEALTH_SYSTEM) -> healthfile.Report:
    """Read a CSV/XLSX of the health (or education) system and record its rows as checks.

    A malformed file (or any malformed row) is refused whole: `ValidationError` with one
    message per problem naming the row and the field. Well-formed rows are matched to persons
    in the actor's scope (by ID, else by name and birth date); matched rows of enrolled
    households are saved, the others are reported in `Report.unmatched`.
    """
    _require(actor)
    if source not in EXTERNAL:
        raise PermissionDenied(_("Unknown source."))
    start, end = rules.parse_period(period)
    period = rules.period_of(start)
    rows = healthfile.parse(file, programme=programme, start=start, end=end)  # may refuse
    report = healthfile.match(actor, programme, rows, period_end=end)
    name = getattr(file, "name", "") or "upload"
    conditions = {c["code"]: c for c in programme.config.get("coresponsibilities", [])}
    with transaction.atomic():
        saved: dict[tuple, ComplianceCheck] = {}
        for m in report.matched:
            row, person = m.row, m.person
            key = (person.household_id, row.condition, person.pk)
            if key in saved and saved[key].compliant and not row.compliant:
                continue  # a compliant row of the same file is not undone by another
            reason = "" if row.compliant else _(
                "The %(source)s reports “%(condition)s” not met for %(person)s on %(date)s.") % {
                "source": Source(source).label, "condition": conditions[row.condition]["name"],
                "person": person.full_name, "date": row.date.isoformat()}
            check, _created = ComplianceCheck.objects.update_or_create(
                household_id=person.household_id, programme=programme, period=period,
                condition=row.condition, person=person,
                defaults={"compliant": row.compliant, "source": source,
                          "evidence_ref": f"{name[:100]} row {row.number}", "reason": reason,
                          "checked_by": actor})
            saved[key] = check
        audit.record_many([AuditEvent(
            actor=actor, actor_username=actor.username, action=AuditAction.IMPORT,
            entity=ComplianceCheck._meta.label_lower, object_id=str(c.pk), person_id=c.person_id,
            territory_path=m.person.territory.path,
            changes={"period": period, "condition": c.condition, "compliant": c.compliant,
                     "source": source, "evidence_ref": c.evidence_ref},
            note="co-responsibility file import")
            for m in report.matched
            if (c := saved.get((m.person.household_id, m.row.condition, m.person.pk)))])
        audit.record(actor=actor, action=AuditAction.IMPORT, obj=programme,
                     note="co-responsibility file import",
                     changes={"period": period, "file": name[:100], "source": source,
                              "matched": len(report.matched),
                              "unmatched": len(report.unmatched)})
    report.saved = len(saved)
    return report
