"""Load the deterministic demo data set: territory, families, duplicates, denominators, users.

`generate()` plans everything in memory (`plan.build_plan`), then writes it in one transaction
with bulk inserts only, and one audit event per household and person (actor
"demo-generator", action "import"). The ground truth of the planted near-duplicates goes to
`DATA_DIR/demo/planted_duplicates.csv` so that duplicate detection can be measured against it.
"""

from __future__ import annotations

import csv
import datetime as dt
import time
import uuid
from dataclasses import dataclass, field
from pathlib import Path

from django.conf import settings
from django.contrib.auth.hashers import make_password
from django.db import connection, transaction
from django.db.models.fields import AutoFieldMixin
from django.utils import timezone

from crecer.accounts.models import Role, User
from crecer.core import audit
from crecer.core.models import AuditAction, AuditEvent
from crecer.registry.models import Household, Person, PersonRole, Relationship, RoleKind
from crecer.territory.models import Level, OrgUnit, PopulationEstimate

from . import geography as geo
from .people import PeopleMaker
from .plan import DemoPlan, build_plan

ACTOR_USERNAME = "demo-generator"

# (username, role, name of the territory the account works in)
ACCOUNTS: list[tuple[str, str, str]] = [
    ("voluntaria", Role.VOLUNTEER, geo.ACCOUNT_PLACES["volunteer"]),
    ("facilitadora", Role.FACILITATOR, geo.ACCOUNT_PLACES["municipality"]),
    ("municipal", Role.MUNICIPAL_OFFICER, geo.ACCOUNT_PLACES["municipality"]),
    ("municipal2", Role.MUNICIPAL_OFFICER, geo.ACCOUNT_PLACES["municipality2"]),
    ("regional", Role.REGIONAL_MANAGER, geo.ACCOUNT_PLACES["region"]),
    ("nacional", Role.NATIONAL_MANAGER, geo.ACCOUNT_PLACES["country"]),
    ("datos", Role.DATA_OFFICER, geo.ACCOUNT_PLACES["country"]),
    ("admin", Role.ADMIN, geo.ACCOUNT_PLACES["country"]),
]
ROLE_LABELS = {
    Role.VOLUNTEER: "community volunteer", Role.FACILITATOR: "facilitator",
    Role.MUNICIPAL_OFFICER: "municipal officer", Role.REGIONAL_MANAGER: "regional manager",
    Role.NATIONAL_MANAGER: "national manager", Role.DATA_OFFICER: "data officer",
    Role.ADMIN: "administrator",
}
# What `crecer demo` prints: (username, role label, territory name).
DEMO_ACCOUNTS: list[tuple[str, str, str]] = [
    (username, ROLE_LABELS[role], place) for username, role, place in ACCOUNTS
]


class DemoDataExists(RuntimeError):
    """The database already holds the demo territory or a demo account."""


@dataclass
class DemoReport:
    seed: int
    reference_date: dt.date
    regions: int = 0
    provinces: int = 0
    municipalities: int = 0
    communities: int = 0
    service_points: int = 0
    households: int = 0
    persons: int = 0  # including the planted duplicates
    children: int = 0
    caregivers: int = 0
    pregnant: int = 0
    relationships: int = 0
    population_estimates: int = 0
    users: int = 0
    audit_events: int = 0
    seconds: float = 0.0
    digest: str = ""  # DemoPlan.digest(): same seed and date, same digest
    ground_truth: Path | None = None
    # (original person id, planted near-duplicate person id)
    planted_duplicates: list[tuple[uuid.UUID, uuid.UUID]] = field(default_factory=list)


def generate(*, password: str, progress: bool = False, seed: int = 2026, households: int = 3000,
             duplicates: int = 300, reference_date: dt.date | None = None) -> DemoReport:
    """Create the demo data set in an empty database and return what was made.

    Deterministic for a given `seed` and `reference_date` (default: today), which anchors
    every birth date, expected delivery date and population year.
    """
    started = time.perf_counter()

    def say(message: str) -> None:
        if progress:
            print(f"  demo data: {message}", flush=True)

    if OrgUnit.objects.filter(code=geo.COUNTRY_CODE).exists():
        raise DemoDataExists(f"The territory {geo.COUNTRY_CODE} already exists; "
                             "the demo data is loaded only into an empty database.")
    taken = list(User.objects.filter(username__in=[a[0] for a in ACCOUNTS])
                 .order_by("username").values_list("username", flat=True))
    if taken:
        raise DemoDataExists(f"Demo accounts already exist: {', '.join(taken)}.")

    today = reference_date or timezone.localdate()
    plan = build_plan(seed=seed, households=households, duplicates=duplicates,
                      reference_date=today, progress=say)
    with transaction.atomic():
        _save_territory(plan)
        say("saved territory")
        for model, rows in ((Household, plan.households), (Person, plan.persons),
                            (PersonRole, plan.roles), (Relationship, plan.relationships)):
            _insert(model, rows)
        say(f"saved {len(plan.households)} households, {len(plan.persons)} persons")
        PopulationEstimate.objects.bulk_create(plan.population, batch_size=1000)
        n_users = _save_users(plan, password, seed)
        say(f"saved {n_users} users")
        events = _audit_events(plan)
        audit.record_many(events)
        say(f"saved {len(events)} audit events")
    path = _write_ground_truth(plan)
    role_counts = {r: 0 for r in RoleKind.values}
    for role in plan.roles:
        role_counts[role.role] += 1
    report = DemoReport(
        seed=seed, reference_date=today, regions=len(plan.regions),
        provinces=len(plan.provinces), municipalities=len(plan.municipalities),
        communities=len(plan.communities), service_points=len(plan.service_points),
        households=len(plan.households), persons=len(plan.persons),
        children=role_counts[RoleKind.CHILD], caregivers=role_counts[RoleKind.CAREGIVER],
        pregnant=role_counts[RoleKind.PREGNANT], relationships=len(plan.relationships),
        population_estimates=len(plan.population), users=n_users, audit_events=len(events),
        digest=plan.digest(), ground_truth=path,
        planted_duplicates=[(d.original.pk, d.duplicate.pk) for d in plan.planted],
        seconds=round(time.perf_counter() - started, 2),
    )
    say(f"done in {report.seconds:.1f} s (ground truth: {path})")
    return report


def _insert(model, objs: list) -> None:
    """Insert new rows of a UUID-keyed model with one prepared INSERT run by executemany.

    Same effect as `bulk_create` (foreign keys taken from the related objects, auto_now
    timestamps filled) without compiling SQL for every row, which is most of bulk_create's
    time at tens of thousands of rows.
    """
    meta = model._meta
    fields = [f for f in meta.concrete_fields if not isinstance(f, AutoFieldMixin)]
    now = timezone.now()
    stamped = [f.attname for f in fields
               if getattr(f, "auto_now", False) or getattr(f, "auto_now_add", False)]
    rows = []
    for obj in objs:
        obj._prepare_related_fields_for_save(operation_name="bulk_create")
        for name in stamped:
            setattr(obj, name, now)
        rows.append([f.get_db_prep_save(getattr(obj, f.attname), connection) for f in fields])
        obj._state.adding, obj._state.db = False, connection.alias
    qn = connection.ops.quote_name
    sql = "INSERT INTO {} ({}) VALUES ({})".format(
        qn(meta.db_table), ", ".join(qn(f.column) for f in fields), ", ".join(["%s"] * len(fields)))
    with connection.cursor() as cursor:
        for start in range(0, len(rows), 2000):
            cursor.executemany(sql, rows[start:start + 2000])


def _save_territory(plan: DemoPlan) -> None:
    from crecer.territory.actions import fill_paths

    for depth, code, name in geo.LEVELS:
        if not Level.objects.filter(depth=depth).exists():
            Level.objects.create(depth=depth, code=code, name=name)
    # Parents first: bulk_create sets each unit's id, which its children's parent_id takes.
    for depth in range(max(u.depth for u in plan.units) + 1):
        OrgUnit.objects.bulk_create([u for u in plan.units if u.depth == depth])
    fill_paths()  # "/<id>/<id>/", set-based
    paths = dict(OrgUnit.objects.filter(pk__in=[u.pk for u in plan.units])
                 .values_list("pk", "path"))
    for unit in plan.units:
        unit.path = paths[unit.pk]


def _save_users(plan: DemoPlan, password: str, seed: int) -> int:
    hashed = make_password(password)  # one hash for all: they share the demo password
    names = PeopleMaker(seed + 7919)
    users, places = [], []
    for username, role, place in ACCOUNTS:
        sex = "F" if username in ("voluntaria", "facilitadora") else names.rng.choice("FM")
        users.append(User(
            username=username, role=role, password=hashed, first_name=names.given_names(sex),
            last_name=f"{names.surname()} {names.surname()}", preferred_language="es",
            is_staff=role == Role.ADMIN, is_superuser=role == Role.ADMIN))
        places.append(plan.unit_named(place))
    User.objects.bulk_create(users)
    users = list(User.objects.filter(username__in=[u.username for u in users]))
    by_name = {u.username: u for u in users}
    through = User.territories.through
    through.objects.bulk_create([
        through(user_id=by_name[username].pk, orgunit_id=unit.pk)
        for (username, _role, _place), unit in zip(ACCOUNTS, places, strict=True)
    ])
    return len(users)


def _audit_events(plan: DemoPlan) -> list[AuditEvent]:
    events = []
    for hh in plan.households:
        events.append(AuditEvent(
            actor=None, actor_username=ACTOR_USERNAME, action=AuditAction.IMPORT,
            entity=Household._meta.label_lower, object_id=str(hh.pk),
            territory_path=hh.territory.path, changes=audit.diff({}, audit.snapshot(hh)),
            note="demo data"))
    for p in plan.persons:
        changes = audit.diff({}, audit.snapshot(p))
        changes["roles"] = [None, [str(r) for r in plan.role_names[p.id]]]
        events.append(AuditEvent(
            actor=None, actor_username=ACTOR_USERNAME, action=AuditAction.IMPORT,
            entity=Person._meta.label_lower, object_id=str(p.pk), person_id=p.pk,
            territory_path=p.territory.path, changes=changes, note="demo data"))
    return events


def _write_ground_truth(plan: DemoPlan) -> Path:
    path = Path(settings.DATA_DIR) / "demo" / "planted_duplicates.csv"
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("w", newline="", encoding="utf-8") as fh:
        writer = csv.writer(fh)
        writer.writerow(["original_id", "duplicate_id", "role", "noise", "placement"])
        for d in plan.planted:
            writer.writerow([d.original.pk, d.duplicate.pk, d.role, "+".join(d.noise), d.placement])
    return path
