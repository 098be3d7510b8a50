"""The org-unit tree as CSV: code, name, parent_code, level, kind, sector, latitude, longitude.

Import is all-or-nothing: every row is validated first (unknown parent, duplicate code, cycle, bad
level, bad coordinates, bad kind or sector), with each problem reported by row and column; only a
clean file is written, in one transaction. Rows may come in any order (children before their
parents). Units are matched by code: new codes are created, known codes are updated (name, kind,
sector, point) and moved when their parent changed (`actions.move_unit`, set-based).
"""

from __future__ import annotations

import csv
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import IO

from django.db import transaction
from django.utils.translation import gettext as _

from ..actions import check_can_manage, fill_paths, move_unit
from ..models import Kind, Level, OrgUnit, Sector
from ..queries import subtree_q
from .common import (
    ErrorList,
    ImportResult,
    Source,
    TooManyErrors,
    chunks,
    guard,
    open_output,
    parse_float,
    read_csv,
    unguard,
)

COLUMNS = ["code", "name", "parent_code", "level", "kind", "sector", "latitude", "longitude"]
REQUIRED = ["code", "name", "parent_code"]
MAX_DEPTH = 25  # paths are at most 255 characters
UPDATABLE = ["name", "kind", "sector", "latitude", "longitude"]


@dataclass
class _Row:
    n: int
    code: str
    name: str = ""
    parent_code: str = ""
    level_depth: int | None = None
    level_text: str = ""
    kind: str = Kind.AREA
    sector: str = ""
    latitude: float | None = None
    longitude: float | None = None


@dataclass
class _Existing:
    id: int
    code: str
    parent_id: int | None
    depth: int
    path: str
    values: dict = field(default_factory=dict)

    def ancestor_ids(self) -> list[int]:
        return [int(p) for p in self.path.strip("/").split("/") if p][:-1]


@dataclass
class _Plan:
    rows: list[_Row]
    existing: dict[str, _Existing]
    depth: dict[str, int]
    created: list[_Row] = field(default_factory=list)
    updated: list[_Row] = field(default_factory=list)
    moved: list[_Row] = field(default_factory=list)

    def counts(self) -> dict[str, int]:
        touched = {r.code for r in self.updated} | {r.code for r in self.moved}
        return {
            "created": len(self.created),
            "updated": len(self.updated),
            "moved": len(self.moved),
            "unchanged": len(self.rows) - len(self.created) - len(touched),
        }


def import_tree(source: Source, *, actor=None, dry_run: bool = False) -> ImportResult:
    """Validate the whole file, then (unless there is any error or `dry_run`) write it."""
    check_can_manage(actor)
    errors = ErrorList("row")
    plan = None
    try:
        rows = _parse(source, errors)
        if rows is not None:
            plan = _resolve(rows, errors, actor)
    except TooManyErrors:
        pass
    if errors or plan is None:
        return ImportResult.failed(errors)
    if not dry_run:
        with transaction.atomic():
            _apply(plan)
    return ImportResult(counts=plan.counts(), dry_run=dry_run)


def _parse(source: Source, errors: ErrorList) -> list[_Row] | None:
    levels = {lv.code.lower(): lv.depth for lv in Level.objects.all()}
    rows: list[_Row] = []
    seen: dict[str, int] = {}
    for n, raw in read_csv(source, REQUIRED, errors):
        code = unguard(raw.get("code", ""))
        if not code:
            errors.add(n, "code", _("The code is required."))
            continue
        if len(code) > 64:
            errors.add(n, "code", _("The code is longer than 64 characters."))
            continue
        if code in seen:
            errors.add(n, "code", _("Duplicate code “%(code)s” (first seen in row %(row)s).")
                       % {"code": code, "row": seen[code]})
            continue
        seen[code] = n
        row = _Row(n=n, code=code, parent_code=unguard(raw.get("parent_code", "")))
        row.name = unguard(raw.get("name", ""))
        if not row.name:
            errors.add(n, "name", _("The name is required."))
        elif len(row.name) > 200:
            errors.add(n, "name", _("The name is longer than 200 characters."))
        _parse_level(row, raw.get("level", ""), levels, errors)
        _parse_kind(row, raw.get("kind", ""), raw.get("sector", ""), errors)
        _parse_point(row, raw.get("latitude", ""), raw.get("longitude", ""), errors)
        rows.append(row)
    if not rows and not errors:
        errors.add(1, "", _("The file has no data rows."))
    return rows


def _parse_level(row: _Row, text: str, levels: dict[str, int], errors: ErrorList) -> None:
    row.level_text = text
    if not text:
        return
    if text.lstrip("-").isdigit():
        depth = int(text)
        if depth < 0 or depth > MAX_DEPTH:
            errors.add(row.n, "level", _("The depth must be between 0 and %(max)s.")
                       % {"max": MAX_DEPTH})
        else:
            row.level_depth = depth
    elif text.lower() in levels:
        row.level_depth = levels[text.lower()]
    else:
        known = ", ".join(sorted(levels, key=levels.get)) or _("none defined")
        errors.add(row.n, "level", _("Unknown level “%(value)s” (known levels: %(known)s).")
                   % {"value": text, "known": known})


def _parse_kind(row: _Row, kind: str, sector: str, errors: ErrorList) -> None:
    kind, sector = kind.lower(), sector.lower()
    if kind and kind not in Kind.values:
        errors.add(row.n, "kind", _("Unknown kind “%(value)s” (use %(allowed)s).")
                   % {"value": kind, "allowed": ", ".join(Kind.values)})
    else:
        row.kind = kind or Kind.AREA
    if sector and sector not in Sector.values:
        errors.add(row.n, "sector", _("Unknown sector “%(value)s” (use %(allowed)s).")
                   % {"value": sector, "allowed": ", ".join(Sector.values)})
    elif row.kind == Kind.SERVICE_POINT and not sector:
        errors.add(row.n, "sector", _("A service point needs a sector."))
    else:
        row.sector = sector


def _parse_point(row: _Row, lat: str, lon: str, errors: ErrorList) -> None:
    if not lat and not lon:
        return
    if not lat or not lon:
        missing = "latitude" if not lat else "longitude"
        errors.add(row.n, missing, _("Give both latitude and longitude, or neither."))
        return
    for name, text, limit in (("latitude", lat, 90), ("longitude", lon, 180)):
        try:
            value = parse_float(text)
        except ValueError:
            errors.add(row.n, name, _("“%(value)s” is not a number.") % {"value": text})
            continue
        if not -limit <= value <= limit:
            errors.add(row.n, name, _("%(value)s is outside −%(limit)s…%(limit)s.")
                       % {"value": text, "limit": limit})
            continue
        setattr(row, name, value)


def _fetch_existing(codes: set[str]) -> dict[str, _Existing]:
    out: dict[str, _Existing] = {}
    for part in chunks(sorted(codes)):
        for u in OrgUnit.objects.filter(code__in=part).values(
                "id", "code", "parent_id", "depth", "path", *UPDATABLE):
            out[u["code"]] = _Existing(u["id"], u["code"], u["parent_id"], u["depth"], u["path"],
                                       {k: u[k] for k in UPDATABLE})
    return out


def _resolve(rows: list[_Row], errors: ErrorList, actor) -> _Plan:
    by_code = {r.code: r for r in rows}
    parent_codes = {r.parent_code for r in rows if r.parent_code}
    existing = _fetch_existing(set(by_code) | parent_codes)
    if actor is not None:
        from crecer.accounts import scope

        roots = scope.root_paths(actor)
        covered = {c for c, u in existing.items() if any(u.path.startswith(p) for p in roots)}
    else:
        covered = set(existing)
    superuser = actor is None or getattr(actor, "is_superuser", False)
    code_of_id = {u.id: c for c, u in existing.items()}
    in_file_by_id = {u.id: c for c, u in existing.items() if c in by_code}

    unknown: set[str] = set()
    for r in rows:
        old = existing.get(r.code)
        if old is not None and r.code not in covered:
            errors.add(r.n, "code", _("Unit “%(code)s” is outside your territories.")
                       % {"code": r.code})
            unknown.add(r.code)
        if r.parent_code and r.parent_code not in by_code and r.parent_code not in covered:
            errors.add(r.n, "parent_code", _("Unknown parent “%(code)s”: it is neither in the file "
                                             "nor in the tree.") % {"code": r.parent_code})
            unknown.add(r.code)
        if not r.parent_code and not superuser and (old is None or old.parent_id is not None):
            errors.add(r.n, "parent_code", _("Only a superuser can add or move top-level units."))

    def hop(r: _Row) -> tuple[str | None, int | None, str]:
        """(next code, offset, via): depth(r) = depth(next) + offset, or = offset if next is
        None; `via` names the unit of the tree the hop went through, if any."""
        if r.code in unknown:
            return None, None, ""
        if not r.parent_code:
            return None, 0, ""
        if r.parent_code in by_code:
            return r.parent_code, 1, ""
        parent = existing[r.parent_code]
        # The parent is not in the file, but one of its ancestors may be moved by the file.
        for anc in reversed(parent.ancestor_ids()):
            if anc in in_file_by_id:
                a = existing[in_file_by_id[anc]]
                return a.code, parent.depth - a.depth + 1, f"{parent.code} … "
        return None, parent.depth + 1, ""

    final: dict[str, int | None] = {}
    for r in rows:
        _resolve_depth(r.code, by_code, hop, final, errors)

    plan = _Plan(rows=rows, existing=existing, depth={})
    for r in rows:
        depth = final.get(r.code)
        if depth is None:
            continue
        plan.depth[r.code] = depth
        if depth > MAX_DEPTH:
            errors.add(r.n, "parent_code", _("The unit would be %(depth)s levels deep; at most "
                                             "%(max)s are allowed.") % {"depth": depth,
                                                                        "max": MAX_DEPTH})
        elif r.level_depth is not None and r.level_depth != depth:
            errors.add(r.n, "level", _("Level “%(level)s” is depth %(expected)s, but under its "
                                       "parent this unit is at depth %(depth)s.")
                       % {"level": r.level_text, "expected": r.level_depth, "depth": depth})
        old = existing.get(r.code)
        if old is None:
            plan.created.append(r)
            continue
        if any(getattr(r, k) != old.values[k] for k in UPDATABLE):
            plan.updated.append(r)
        # None when the current parent is not among the codes the file names: then it moved.
        current_parent = code_of_id.get(old.parent_id) if old.parent_id else ""
        if r.parent_code != current_parent:
            plan.moved.append(r)
    return plan


def _resolve_depth(code, by_code, hop, final, errors: ErrorList) -> None:
    """Final depth of `code` following parents through the file and the tree, iteratively,
    reporting every row of a cycle."""
    chain: list[tuple[str, int, str]] = []
    position: dict[str, int] = {}
    cur = code
    value: int | None
    while True:
        if cur in final:
            value = final[cur]
            break
        if cur in position:
            cycle = [c for c, _off, _via in chain[position[cur]:]]
            hops = zip([*cycle[1:], cycle[0]], chain[position[cur]:], strict=True)
            text = cycle[0] + "".join(f" → {via}{nxt}" for nxt, (_c, _o, via) in hops)
            for c in cycle:
                errors.add(by_code[c].n, "parent_code", _("Cycle: %(cycle)s.") % {"cycle": text})
                final[c] = None
            chain = chain[:position[cur]]
            value = None
            break
        nxt, offset, via = hop(by_code[cur])
        if nxt is None:
            final[cur] = value = offset
            break
        position[cur] = len(chain)
        chain.append((cur, offset, via))
        cur = nxt
    for c, offset, _via in reversed(chain):
        value = None if value is None else value + offset
        final[c] = value


def _apply(plan: _Plan) -> None:
    by_code = {r.code: r for r in plan.rows}
    ids = {c: u.id for c, u in plan.existing.items()}
    depth_now = {c: u.depth for c, u in plan.existing.items()}

    def creation_depth(r: _Row) -> int:
        if r.code in depth_now:
            return depth_now[r.code]
        if not r.parent_code:
            d = 0
        elif r.parent_code in depth_now:
            d = depth_now[r.parent_code] + 1
        else:
            d = creation_depth(by_code[r.parent_code]) + 1
        depth_now[r.code] = d
        return d

    by_depth: dict[int, list[_Row]] = {}
    for r in plan.created:
        by_depth.setdefault(creation_depth(r), []).append(r)
    for d in sorted(by_depth):
        units = [OrgUnit(code=r.code, name=r.name, depth=d, path="", kind=r.kind,
                         sector=r.sector, latitude=r.latitude, longitude=r.longitude,
                         parent_id=ids[r.parent_code] if r.parent_code else None)
                 for r in by_depth[d]]
        OrgUnit.objects.bulk_create(units, batch_size=500)
        for u in units:
            assert u.pk is not None, "bulk_create must return primary keys"
            ids[u.code] = u.pk
    fill_paths()

    changed = []
    for r in plan.updated:
        unit = OrgUnit(pk=ids[r.code])
        for k in UPDATABLE:
            setattr(unit, k, getattr(r, k))
        changed.append(unit)
    OrgUnit.objects.bulk_update(changed, UPDATABLE, batch_size=500)

    # Top-down by final depth, so that each new parent already sits where the file puts it.
    for r in sorted(plan.moved, key=lambda r: plan.depth[r.code]):
        unit = OrgUnit.objects.get(pk=ids[r.code])
        parent = OrgUnit.objects.get(pk=ids[r.parent_code]) if r.parent_code else None
        move_unit(unit=unit, new_parent=parent)


def export_tree(target: str | IO[str], *, roots: Iterable[OrgUnit] | None = None) -> int:
    """Write the tree (or the subtrees of `roots`) as CSV, parents before children.
    Returns the number of units written."""
    levels = {lv.depth: lv.code for lv in Level.objects.all()}
    qs = OrgUnit.objects.all()
    if roots is not None:
        qs = qs.filter(subtree_q([r.path for r in roots]))
    rows = qs.order_by("path").values_list(
        "code", "name", "parent__code", "depth", "kind", "sector", "latitude", "longitude")
    out, close = open_output(target)
    try:
        writer = csv.writer(out)
        writer.writerow(COLUMNS)
        n = 0
        for code, name, parent_code, depth, kind, sector, lat, lon in rows.iterator(2000):
            writer.writerow([guard(code), guard(name), guard(parent_code or ""),
                             levels.get(depth, depth), kind, sector,
                             "" if lat is None else repr(lat), "" if lon is None else repr(lon)])
            n += 1
    finally:
        if close:
            out.close()
    return n
