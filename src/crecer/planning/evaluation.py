"""Evaluation rounds: parenting-practices scale scores of caregivers (entered one by one or
imported from a CSV/XLSX file), the round's results (mean, n and change between baseline and
follow-up, computed by the database), published findings with their report, and publishing the
means to the aggregate data that the gate indicator `hn-parenting-scale-gain` reads.

Scores are personal data: they are read through `scores_for(user, …)` (the caregiver within the
user's subtrees) and written by the audited actions here, one audit row per score carrying the
person's id."""

from __future__ import annotations

import datetime as dt
import re
import tempfile
import uuid
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation
from pathlib import Path
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Avg, Count, Exists, OuterRef, Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from crecer.accounts import policies
from crecer.accounts.scope import get_in_scope, within
from crecer.core import audit, uploads
from crecer.core.models import AuditAction, AuditEvent
from crecer.registry.identifiers import fold
from crecer.registry.models import Person, RoleKind
from crecer.registry.queries import persons_for
from crecer.territory.models import Kind, OrgUnit

from .actions import _created, _dates, _record, _text, check
from .models import SCALE_MAX, SCALE_MIN, EvaluationRound, Finding, Moment, ScaleScore

FINDING_TYPES = ("pdf", "docx", "odt", "xlsx", "ods", "csv", "txt", "png", "jpg", "jpeg")

# --- reads -------------------------------------------------------------------------------------


def rounds_for(user) -> QuerySet[EvaluationRound]:
    return EvaluationRound.objects.filter(within(user)).select_related("territory")


def round_for(user, pk) -> EvaluationRound:
    return get_in_scope(rounds_for(user), user, pk=pk)


def caregivers_for(user, rnd: EvaluationRound) -> QuerySet[Person]:
    """Caregivers (active role) of the round's territory that the user may see."""
    return (persons_for(user).filter(territory__path__startswith=rnd.territory.path,
                                     roles__role=RoleKind.CAREGIVER, roles__active=True)
            .distinct().order_by("search_name"))


def scores_for(user, rnd: EvaluationRound) -> QuerySet[ScaleScore]:
    """The round's scores of caregivers within the user's subtrees (personal data)."""
    return (ScaleScore.objects.filter(round=rnd).filter(within(user, "person__territory"))
            .select_related("person").order_by("person__search_name", "moment"))


@dataclass(frozen=True)
class RoundResult:
    baseline_mean: float | None = None
    baseline_n: int = 0
    follow_up_mean: float | None = None
    follow_up_n: int = 0
    paired_n: int = 0  # caregivers with both scores
    paired_change: float | None = None  # mean change of those caregivers

    @property
    def change(self) -> float | None:
        """Follow-up mean minus baseline mean (all caregivers assessed at each moment)."""
        if self.baseline_mean is None or self.follow_up_mean is None:
            return None
        return round(self.follow_up_mean - self.baseline_mean, 1)


def _num(value) -> float | None:
    return None if value is None else round(float(value), 1)


def results(rounds) -> dict:
    """{round id: RoundResult} for the rounds, in ONE grouped query (aggregates only)."""
    ids = [r.pk for r in rounds]
    if not ids:
        return {}
    other = (ScaleScore.objects.filter(round=OuterRef("round"), person=OuterRef("person"))
             .exclude(moment=OuterRef("moment")))
    rows = (ScaleScore.objects.filter(round_id__in=ids).annotate(paired=Exists(other))
            .values("round_id", "moment")
            .annotate(mean=Avg("score"), n=Count("id"),
                      pmean=Avg("score", filter=Q(paired=True)),
                      pn=Count("id", filter=Q(paired=True)))
            .order_by())
    parts: dict = {i: {} for i in ids}
    for r in rows:
        parts[r["round_id"]][r["moment"]] = r
    out = {}
    for i, got in parts.items():
        base, follow = got.get(Moment.BASELINE, {}), got.get(Moment.FOLLOW_UP, {})
        pb, pf = base.get("pmean"), follow.get("pmean")
        out[i] = RoundResult(
            baseline_mean=_num(base.get("mean")), baseline_n=base.get("n", 0),
            follow_up_mean=_num(follow.get("mean")), follow_up_n=follow.get("n", 0),
            paired_n=follow.get("pn", 0) or 0,
            paired_change=None if pb is None or pf is None else round(float(pf - pb), 1))
    return out


# --- rounds ------------------------------------------------------------------------------------


def create_round(*, actor, territory: OrgUnit, name: str, year: int, baseline_on: dt.date,
                 follow_up_on: dt.date, notes: str = "") -> EvaluationRound:
    check(actor, territory)
    if territory.kind != Kind.AREA:
        raise ValidationError({"territory": _("Choose an area, not a service point.")})
    name = _text(name, "name", max_length=120)
    _dates(baseline_on, follow_up_on, "baseline_on", "follow_up_on")
    if follow_up_on == baseline_on:
        raise ValidationError({"follow_up_on": _("The follow-up must come after the baseline.")})
    if not isinstance(year, int) or not 2000 <= year <= 2100:
        raise ValidationError({"year": _("Enter a year between 2000 and 2100.")})
    if EvaluationRound.objects.filter(territory=territory, name=name).exists():
        raise ValidationError({"name": _("%(unit)s already has a round called “%(name)s”.") % {
            "unit": territory.name, "name": name}})
    with transaction.atomic():
        rnd = EvaluationRound.objects.create(territory=territory, name=name, year=year,
                                             baseline_on=baseline_on, follow_up_on=follow_up_on,
                                             notes=str(notes or ""))
        _created(actor, rnd, territory)
    return rnd


# --- scores ------------------------------------------------------------------------------------


def clean_score(raw: Any) -> Decimal:
    """A score of the scale (0-100, one decimal; a comma or a point before the decimals)."""
    if isinstance(raw, bool):
        raise ValueError
    text = str(raw if raw is not None else "").strip().replace(",", ".")
    try:
        value = Decimal(text)
    except InvalidOperation:
        raise ValueError from None
    if not value.is_finite() or not SCALE_MIN <= value <= SCALE_MAX:
        raise ValueError
    return value.quantize(Decimal("0.1"), rounding=ROUND_HALF_UP)


def score_message() -> str:
    return _("the score must be a number from %(low)s to %(high)s.") % {
        "low": SCALE_MIN, "high": SCALE_MAX}


MOMENTS = {"baseline": Moment.BASELINE, "linea base": Moment.BASELINE,
           "linea de base": Moment.BASELINE, "base": Moment.BASELINE,
           "follow up": Moment.FOLLOW_UP, "followup": Moment.FOLLOW_UP,
           "seguimiento": Moment.FOLLOW_UP}


def clean_moment(raw: Any) -> Moment:
    key = fold(str(raw or "")).replace("_", " ")
    key = " ".join(key.split())
    if key not in MOMENTS:
        raise ValueError
    return MOMENTS[key]


def clean_date(raw: Any) -> dt.date:
    if isinstance(raw, dt.datetime):
        day = raw.date()
    elif isinstance(raw, dt.date):
        day = raw
    else:
        text = str(raw or "").strip()[:10]
        day = None
        for fmt in ("%Y-%m-%d", "%d/%m/%Y"):
            try:
                day = dt.datetime.strptime(text, fmt).date()
                break
            except ValueError:
                continue
        if day is None:
            raise ValueError
    if day > timezone.localdate() or day.year < 2000:
        raise ValueError
    return day


def _check_caregiver(actor, rnd: EvaluationRound, person: Person) -> str | None:
    """Why `person` cannot be scored in the round (None when she can)."""
    if not person.territory.path.startswith(rnd.territory.path):
        return _("%(name)s does not live in %(unit)s.") % {"name": person.full_name,
                                                           "unit": rnd.territory.name}
    if not person.roles.filter(role=RoleKind.CAREGIVER, active=True).exists():
        return _("%(name)s is not registered as a caregiver.") % {"name": person.full_name}
    return None


def record_score(*, actor, rnd: EvaluationRound, person: Person, moment: str, score: Any,
                 assessed_on: Any) -> ScaleScore:
    """Enter (or correct) a caregiver's score at one moment of the round."""
    check(actor, rnd.territory)
    person = get_in_scope(persons_for(actor), actor, pk=person.pk)
    errors: dict[str, str] = {}
    try:
        moment = clean_moment(moment)
    except ValueError:
        errors["moment"] = _("Choose baseline or follow-up.")
    try:
        value = clean_score(score)
    except ValueError:
        errors["score"] = score_message().capitalize()
    try:
        day = clean_date(assessed_on)
    except ValueError:
        errors["assessed_on"] = _("Enter the date of the assessment (not in the future).")
    reason = _check_caregiver(actor, rnd, person)
    if reason:
        errors["person"] = reason
    if errors:
        raise ValidationError(errors)
    with transaction.atomic():
        row = ScaleScore.objects.filter(round=rnd, person=person, moment=moment).first()
        before = {} if row is None else audit.snapshot(row)
        if row is None:
            row = ScaleScore(round=rnd, person=person, moment=moment)
        row.score, row.assessed_on = value, day
        row.save()
        changes = audit.diff(before, audit.snapshot(row))
        if changes:
            audit.record(actor=actor, action=AuditAction.CREATE if not before
                         else AuditAction.UPDATE, obj=row, changes=changes,
                         territory_path=person.territory.path, person_id=person.pk)
    return row


# --- import ------------------------------------------------------------------------------------

COLUMNS = {  # header (folded) → field
    "person id": "person_id", "person": "person_id", "persona": "person_id", "id": "person_id",
    "id number": "id_number", "dni": "id_number", "documento": "id_number",
    "moment": "moment", "momento": "moment",
    "score": "score", "puntaje": "score",
    "assessed on": "assessed_on", "date": "assessed_on", "fecha": "assessed_on",
}
TEMPLATE_HEADER = ["person_id", "id_number", "moment", "score", "assessed_on"]


def _header(value: Any) -> str:
    key = " ".join(fold(str(value or "")).replace("_", " ").split())
    return COLUMNS.get(key, key)


def _read(file):
    """The rows of an uploaded CSV or XLSX file, or a ValidationError saying why not."""
    from crecer.imports import reader

    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "upload"
        with path.open("wb") as out:
            for chunk in (file.chunks() if hasattr(file, "chunks") else [file.read()]):
                out.write(chunk)
        try:
            with path.open("rb") as fh:
                head = fh.read(8192)
            fmt = reader.sniff(head, path.stat().st_size, path)
            path = path.rename(path.with_suffix(f".{fmt}"))
            return reader.read_sheet(path, fmt)
        except reader.Refused as exc:
            raise ValidationError([str(exc)]) from None


def _cell_text(value: Any) -> str:
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    return "" if value is None else str(value).strip()


@dataclass
class ImportReport:
    created: int = 0
    updated: int = 0
    unchanged: int = 0


def import_scores(*, actor, rnd: EvaluationRound, file) -> ImportReport:
    """Every row is checked first (the caregiver by Crecer id or national ID, within the round's
    territory and the user's scope; moment, score, date; a caregiver and moment at most once).
    Any problem refuses the whole file with messages naming the row and the field; otherwise
    every score is saved (new ones created, existing ones corrected) in one transaction with one
    audit row each."""
    check(actor, rnd.territory)
    sheet = _read(file)
    if len(sheet.rows) < 2:
        raise ValidationError([_("The file has no data rows.")])
    header_number, header = sheet.rows[0]
    names = [_header(v) for v in header]
    missing = [c for c in ("moment", "score", "assessed_on") if c not in names]
    if "person_id" not in names and "id_number" not in names:
        missing.insert(0, "person_id / id_number")
    if missing:
        raise ValidationError([_("Row %(row)s: missing columns: %(cols)s.") % {
            "row": header_number, "cols": ", ".join(missing)}])
    errors: list[str] = []

    def err(number: int, column: str, message: str) -> None:
        errors.append(_("Row %(row)s, %(field)s: %(message)s") % {
            "row": number, "field": column, "message": message})

    cells = [(n, {name: values[i] if i < len(values) else None for i, name in enumerate(names)})
             for n, values in sheet.rows[1:]]
    # Who the rows name: one query by Crecer id and one by national ID, within scope and the
    # round's territory (a person outside either is "not found": outsiders learn nothing).
    visible = persons_for(actor).filter(territory__path__startswith=rnd.territory.path)
    uuids, numbers = set(), set()
    for _n, c in cells:
        try:
            if _cell_text(c.get("person_id")):
                uuids.add(uuid.UUID(_cell_text(c.get("person_id"))))
        except ValueError:
            pass
        if _cell_text(c.get("id_number")):
            numbers.add(re.sub(r"[\s.\-]", "", _cell_text(c["id_number"]).upper()))
    by_id = {p.pk: p for p in visible.filter(pk__in=uuids)}
    by_number: dict[str, list[Person]] = {}
    for p in visible.filter(id_number__in=numbers):
        by_number.setdefault(p.id_number, []).append(p)
    found_ids = {p.pk for p in by_id.values()} | {p.pk for ps in by_number.values() for p in ps}
    caregivers = set(Person.objects.filter(pk__in=found_ids, roles__role=RoleKind.CAREGIVER,
                                           roles__active=True).values_list("pk", flat=True))
    seen: dict[tuple, int] = {}
    good: list[tuple[int, Person, str, Decimal, dt.date]] = []
    for number, c in cells:
        before = len(errors)
        person = None
        raw_id, raw_number = _cell_text(c.get("person_id")), _cell_text(c.get("id_number"))
        if raw_id:
            try:
                person = by_id.get(uuid.UUID(raw_id))
            except ValueError:
                err(number, "person_id", _("“%(value)s” is not a Crecer person id.") % {
                    "value": raw_id})
            else:
                if person is None:
                    err(number, "person_id", _("no caregiver with this id in %(unit)s.") % {
                        "unit": rnd.territory.name})
        elif raw_number:
            matches = by_number.get(re.sub(r"[\s.\-]", "", raw_number.upper()), [])
            if len(matches) > 1:
                err(number, "id_number", _("several persons have this ID; use person_id."))
            elif not matches:
                err(number, "id_number", _("no caregiver with this ID in %(unit)s.") % {
                    "unit": rnd.territory.name})
            else:
                person = matches[0]
        else:
            err(number, "person_id", _("give the person_id or the id_number."))
        if person is not None and person.pk not in caregivers:
            err(number, "person_id" if raw_id else "id_number",
                _("%(name)s is not registered as a caregiver.") % {"name": person.full_name})
        try:
            moment = clean_moment(c.get("moment"))
        except ValueError:
            moment = None
            err(number, "moment", _("“%(value)s” is not a moment (baseline or follow_up).") % {
                "value": _cell_text(c.get("moment"))})
        try:
            value = clean_score(c.get("score"))
        except ValueError:
            value = None
            err(number, "score", score_message())
        try:
            day = clean_date(c.get("assessed_on"))
        except ValueError:
            day = None
            err(number, "assessed_on", _("“%(value)s” is not a date (YYYY-MM-DD or DD/MM/YYYY, "
                                         "not in the future).") % {
                "value": _cell_text(c.get("assessed_on"))})
        if person is not None and moment is not None:
            key = (person.pk, moment)
            if key in seen:
                err(number, "moment", _("this caregiver already has a %(moment)s score in row "
                                        "%(row)s.") % {"moment": Moment(moment).label,
                                                       "row": seen[key]})
            seen.setdefault(key, number)
        if len(errors) == before:
            good.append((number, person, moment, value, day))
    if errors:
        raise ValidationError(errors)
    return _save_imported(actor, rnd, good)


def _save_imported(actor, rnd: EvaluationRound, rows) -> ImportReport:
    report = ImportReport()
    with transaction.atomic():
        existing = {(s.person_id, s.moment): s for s in ScaleScore.objects.select_for_update()
                    .filter(round=rnd, person_id__in=[r[1].pk for r in rows])}
        new, changed, events = [], [], []
        now_actor = actor if getattr(actor, "pk", None) else None
        for _number, person, moment, value, day in rows:
            row = existing.get((person.pk, moment))
            if row is None:
                row = ScaleScore(round=rnd, person=person, moment=moment, score=value,
                                 assessed_on=day)
                new.append(row)
                changes = audit.diff({}, audit.snapshot(row))
                action = AuditAction.IMPORT
            elif (row.score, row.assessed_on) != (value, day):
                before = audit.snapshot(row)
                row.score, row.assessed_on = value, day
                changed.append(row)
                changes, action = audit.diff(before, audit.snapshot(row)), AuditAction.UPDATE
            else:
                report.unchanged += 1
                continue
            events.append(AuditEvent(actor=now_actor, actor_username=actor.username,
                                     action=action, entity=ScaleScore._meta.label_lower,
                                     object_id=str(row.pk), person_id=person.pk,
                                     territory_path=person.territory.path, changes=changes,
                                     note=f"import · {rnd.name}"[:255]))
        ScaleScore.objects.bulk_create(new, batch_size=1000)
        ScaleScore.objects.bulk_update(changed, ["score", "assessed_on", "updated_at"],
                                       batch_size=1000)
        if events:
            audit.record_many(events)
    report.created, report.updated = len(new), len(changed)
    return report


def template_csv() -> str:
    return ",".join(TEMPLATE_HEADER) + "\r\n"


# --- findings ----------------------------------------------------------------------------------


def add_finding(*, actor, rnd: EvaluationRound, title: str, summary: str = "",
                published_on: dt.date | None = None, file=None) -> Finding:
    """A published finding, with its report when a file is given (type and size checked by
    `core.uploads`; nothing is stored when anything is refused)."""
    check(actor, rnd.territory)
    title = _text(title, "title")
    published_on = published_on or timezone.localdate()
    if not isinstance(published_on, dt.date) or published_on > timezone.localdate():
        raise ValidationError({"published_on": _("The publication date is in the future.")})
    if file is not None:
        try:
            uploads.check_upload(file, allowed=FINDING_TYPES)
        except uploads.UploadRejected as exc:
            raise ValidationError({"file": str(exc)}) from None
    with uploads.StoredFiles(allowed=FINDING_TYPES) as files:
        stored = files.store(file) if file is not None else None
        with transaction.atomic():
            finding = Finding(round=rnd, title=title, summary=str(summary or ""),
                              published_on=published_on)
            if stored is not None:
                finding.set_stored(stored)
            finding.save()
            _created(actor, finding, rnd.territory)
    return finding


def finding_for(user, pk) -> Finding:
    return get_in_scope(Finding.objects.select_related("round__territory"), user,
                        field="round__territory", pk=pk)


# --- publishing the means to the aggregate data ------------------------------------------------


def publish_round(*, actor, rnd: EvaluationRound):
    """Enter the round's baseline and follow-up means as the territory's yearly aggregate values
    (`parenting_scale_baseline`, `parenting_scale_followup`), which the gate indicator
    `hn-parenting-scale-gain` reads. The aggregates' own checks apply (level, lock, range)."""
    from crecer.aggregates.actions import save_values

    check(actor, rnd.territory)
    if not policies.can_enter_aggregates(actor):
        raise PermissionDenied(_("You cannot enter aggregate figures."))
    result = results([rnd])[rnd.pk]
    if result.baseline_mean is None or result.follow_up_mean is None:
        raise ValidationError(_("The round needs baseline and follow-up scores before its "
                                "results are published."))
    with transaction.atomic():
        saved = save_values(actor=actor, unit=rnd.territory, period=str(rnd.year), values={
            "parenting_scale_baseline": f"{result.baseline_mean:.1f}",
            "parenting_scale_followup": f"{result.follow_up_mean:.1f}"})
        _record(actor, AuditAction.UPDATE, rnd, rnd.territory,
                {"published": [None, [result.baseline_mean, result.follow_up_mean]]},
                note="published to aggregates")
    return saved
