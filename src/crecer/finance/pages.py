"""What the finance pages show, assembled from `queries` (the views only render it), and the
downloadable tables."""

from __future__ import annotations

from decimal import Decimal

from django.db.models import Count, Sum
from django.utils import timezone
from django.utils.translation import gettext as _

from crecer.accounts import scope
from crecer.territory.models import Kind, OrgUnit

from . import queries
from .forms import KIND_LABELS, ProjectionForm
from .models import Category, GroupPurchase, GroupPurchaseShare
from .projection import PHASE_CHOICES, Projection


def crumbs(user, unit: OrgUnit) -> list[OrgUnit]:
    """The unit's ancestors within the user's territories, top first (the unit excluded)."""
    ids = unit.ancestor_ids()[:-1]
    return [u for u in OrgUnit.objects.filter(pk__in=ids).order_by("depth")
            if scope.covers(user, u)]


def entry_units(place: OrgUnit):
    """The territories a line can be recorded for from a page: the place and the areas below
    it, down to the municipalities from a page above them (a national page does not list
    every community)."""
    depth = queries.municipality_depth()
    qs = OrgUnit.objects.filter(path__subtree=place.path, kind=Kind.AREA)
    if depth is not None and place.depth < depth:
        qs = qs.filter(depth__lte=depth)
    return qs.order_by("path")[:2000]


def category_rows() -> list[tuple[str, str]]:
    return [(code, str(label)) for code, label in Category.choices]


def _num(value: Decimal | None, places: int = 2) -> float | None:
    return None if value is None else round(float(value), places)


def overview_table(o: queries.Overview, table: str) -> tuple[str, list[str], list[list]]:
    """One of the overview's tables as a spreadsheet: children (default), sources, categories
    or ecd (the early-childhood line of each municipality)."""
    place = f"{o.unit.name} {o.year}"
    if table == "sources":
        return (_("Finance by funding source · %(place)s") % {"place": place},
                [_("funding source"), _("kind"), _("government"), _("budget (USD)"),
                 _("expenditure (USD)"), _("of which in kind (USD)"), _("share of expenditure (%)")],
                [[r.source.name, r.source.get_kind_display(), r.source.is_government,
                  _num(r.budget), _num(r.expenditure), _num(r.in_kind), _num(r.share, 1)]
                 for r in o.sources])
    if table == "categories":
        return (_("Finance by category · %(place)s") % {"place": place},
                [_("category"), _("budget (USD)"), _("expenditure (USD)"), _("execution (%)")],
                [[r.label, _num(r.budget), _num(r.expenditure), _num(r.execution, 1)]
                 for r in o.categories])
    if table == "ecd":
        return (_("Early-childhood budget lines · %(place)s") % {"place": place},
                [_("municipality"), _("code"), _("early-childhood line"), _("amount (USD)")],
                [[r.unit.name, r.unit.code, r.has_line, _num(r.amount)] for r in o.ecd])
    return (_("Finance by territory · %(place)s") % {"place": place},
            [_("territory"), _("code"), _("budget (USD)"), _("expenditure (USD)"),
             _("government expenditure (USD)"), _("government share (%)"),
             _("beneficiary families"), _("cost per beneficiary (USD)"),
             _("early-childhood line")],
            [[r.unit.name, r.unit.code, _num(r.budget), _num(r.expenditure),
              _num(r.government), _num(r.government_share, 1), r.beneficiaries,
              _num(r.cost_per_beneficiary), r.ecd_line] for r in o.children])


def purchase_rows(user):
    """Group purchases with a share in the user's territories: how many territories share it
    and the part of the user's territories (one query)."""
    mine = GroupPurchaseShare.objects.filter(scope.within(user, "unit")).values("purchase_id")
    return (GroupPurchase.objects.filter(pk__in=mine).select_related("source")
            .annotate(n_shares=Count("shares", distinct=True),
                      mine=Sum("shares__amount", filter=scope.within(user, "shares__unit")))
            .order_by("-date", "name"))


def purchase_shares(user, purchase: GroupPurchase) -> tuple[list[GroupPurchaseShare], int]:
    """The shares of the user's territories, and how many others there are."""
    shares = list(purchase.shares.select_related("unit").order_by("unit__path"))
    mine = [s for s in shares if scope.covers(user, s.unit)]
    return mine, len(shares) - len(mine)


def default_coverage(user) -> int:
    """Municipalities of the user's top territory with an expenditure last year."""
    top = queries.top_unit(user)
    if top is None:
        return 0
    return queries.covered_municipalities(top, timezone.localdate().year - 1)


GROUP_LABELS = {
    "mix": lambda: _("Funding mix"),
    "government_split": lambda: _("Shares within government"),
    "other_split": lambda: _("Shares of the other sources"),
    "phase_government": lambda: _("Government share by phase"),
    "phases": lambda: _("Phases"),
    "new_municipalities": lambda: _("New municipalities"),
    "mode": lambda: _("Funding mix"),
}


def projection_errors(form: ProjectionForm, errors: list[tuple[str, str]]) -> list[str]:
    """Put each error next to its field; the summary names the field (year rows say their
    year in the message already)."""
    summary = []
    for name, message in errors:
        field = name.replace(":", "_")
        if field in form.fields:
            form.add_error(field, message)
        if name.startswith(("new_", "phase_", "units_")):
            summary.append(message[:1].upper() + message[1:])
        elif field in form.fields:
            summary.append(f"{form.fields[field].label}: {message}")
        else:
            group = GROUP_LABELS.get(name.split(":")[0])
            summary.append(f"{group()}: {message}" if group else message)
    return summary


def projection_table(p: Projection, chosen: dict[int, list] | None = None
                     ) -> tuple[str, list[str], list[list]]:
    phases = dict(PHASE_CHOICES)
    kinds = p.kinds_used
    headers = [_("year"), _("phase"), _("new municipalities"), _("municipalities covered"),
               _("beneficiary families"), _("cost per beneficiary (USD)"), _("total cost (USD)"),
               _("cumulative cost (USD)"), _("government share (%)")]
    for k in kinds:
        label = str(KIND_LABELS[k])
        headers += [f"{label} (USD)", f"{label} (%)"]
    with_names = bool(chosen and any(chosen.values()))
    if with_names:
        headers.append(_("municipalities chosen"))
    rows = []
    for i, y in enumerate(p.years, start=1):
        row = [y.year, str(phases.get(y.phase, "")), y.new_municipalities, y.municipalities,
               y.beneficiaries, y.unit_cost, y.total_cost, y.cumulative_cost,
               y.government_share.quantize(Decimal("0.1"))]
        for k in kinds:
            row += [y.amounts[k], y.shares[k].quantize(Decimal("0.1"))]
        if with_names:
            row.append(", ".join(u.name for u in (chosen or {}).get(i, [])))
        rows.append(row)
    return _("Expansion projection"), headers, rows
