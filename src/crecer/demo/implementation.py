"""Demo data for the implementation app: the MAS-BIENESTAR checklist in every region, zone and
municipality, with steps in every state (plausible for how long ago the territory started), a
few evidence files written through `crecer.core.uploads.store_upload`, and committees and teams
(the central committee, a state committee and a regional team per region, a zonal team per zone,
a municipal council per municipality) with members, meetings, minutes and agreements.

    from crecer.demo.implementation import seed_implementation
    seed_implementation()   # {"checklists": 23, "steps": 2530, "late": …, "committees": 29, …}

Deterministic for a given seed and day; does nothing when a checklist already exists.
"""

from __future__ import annotations

import datetime as dt
import random
import struct
import zlib
from collections import Counter

from django.core.files.base import ContentFile
from django.db import transaction
from django.utils import timezone

TEMPLATE = "mas-bienestar"

OWNERS = {  # who usually carries each component (owner_text), in the seed's terms
    "coordination": "Coordinación estatal IMSS-BIENESTAR",
    "state_structure": "Jefatura de Planeación Estratégica",
    "finance": "Jefatura de Servicios Administrativos y Finanzas",
    "infrastructure": "Departamento de Conservación",
    "general_services": "Servicios generales",
    "human_resources": "Departamento de Personal",
    "medicines": "Departamento de Control de Abasto",
    "equipment": "Ingeniería biomédica",
    "provision_models": "Jefatura de Atención a la Salud",
    "community_action": "Departamento de Acción Comunitaria",
    "training": "Departamento de Educación e Investigación",
    "information_systems": "Área de Sistemas de Información",
}
BLOCKED_REASONS = [
    "Esperando la autorización del presupuesto.",
    "Falta contratar al personal del perfil requerido.",
    "El proveedor no ha entregado el equipo.",
    "Sin conectividad en las unidades de la zona.",
    "Pendiente la firma del convenio con la secretaría estatal.",
]
GIVEN = ["María", "José", "Ana", "Luis", "Carmen", "Jorge", "Rosa", "Carlos", "Lucía", "Miguel",
         "Sofía", "Francisco", "Elena", "Juan", "Marta", "Pedro", "Gabriela", "Óscar", "Iris",
         "Héctor", "Daysi", "Wilmer", "Karla", "Nelson"]
SURNAMES = ["Hernández", "López", "Martínez", "Rodríguez", "Flores", "Reyes", "Mejía", "Castillo",
            "Zelaya", "Amaya", "Banegas", "Cruz", "Paz", "Ramos", "Sosa", "Velásquez", "Murillo",
            "Aguilar", "Euceda", "Matute"]
COMMITTEES = {
    # kind: (name pattern, positions), positions from the seed (CCIM, CEIM, ERS, EZS) and, for
    # the municipal council, from the Honduras model (seeds/001).
    "central_committee": ("Comité Central de Implementación (CCIM)", [
        "Titular de la Dirección General", "Titular de la Unidad de Atención a la Salud",
        "Titular de la Unidad de Administración y Finanzas", "Titular de la Unidad de "
        "Infraestructura", "Titular de la Unidad de Planeación Estratégica"]),
    "state_committee": ("Comité Estatal de Implementación (CEIM) {unit}", [
        "Coordinación estatal", "Jefatura de Servicios de Atención a la Salud",
        "Jefatura de Servicios Administrativos y Finanzas", "Jefatura de Acción Comunitaria",
        "Jefatura de Enfermería", "Jefatura de Personal"]),
    "regional_team": ("Equipo Regional de Supervisión {unit}", [
        "Coordinación médica regional", "Supervisión de atención en salud y educación",
        "Supervisión de epidemiología y prevención", "Supervisión de enfermería",
        "Supervisión de acción comunitaria"]),
    "zonal_team": ("Equipo Zonal de Supervisión {unit}", [
        "Supervisión médica", "Supervisión de enfermería", "Promotoría de acción comunitaria",
        "Análisis estadístico", "Técnico polivalente"]),
    "municipal_council": ("Consejo Municipal de Niñez {unit}", [
        "Alcaldía (preside)", "Regiduría de niñez y familia", "Dirección del centro de salud",
        "Dirección distrital de educación", "Representante de las voluntarias",
        "Oficina Municipal de la Mujer"]),
}
AGREEMENTS = [
    "Presentar el diagnóstico situacional de la zona en la próxima sesión.",
    "Gestionar con la alcaldía el local para los talleres de crianza.",
    "Completar el censo nominal de familias con niñas y niños menores de 6 años.",
    "Capacitar a las voluntarias nuevas en los mensajes clave del módulo 1.",
    "Solicitar a la secretaría estatal los datos de vacunación del trimestre.",
    "Revisar las rutas de referencia con el centro de salud.",
    "Incluir el rubro de primera infancia en el plan de inversión municipal.",
    "Programar la jornada de limpieza con el comité de salud.",
    "Enviar el informe de avance al comité estatal.",
    "Acordar el calendario de visitas de supervisión del trimestre.",
]
MINUTES = (
    "Se verificó el quórum. Se revisó el avance de los componentes del plan de implementación "
    "y los pasos atrasados. Se discutieron las brechas de personal y de abasto, y se tomaron los "
    "acuerdos que constan en esta acta.")


# --- small generated files (real formats, so that they pass the upload checks) -------------------

def tiny_pdf(title: str) -> bytes:
    """A valid one-page PDF showing `title` (ASCII only)."""
    text = title.encode("ascii", "replace").replace(b"(", b"[").replace(b")", b"]")
    stream = b"BT /F1 16 Tf 50 780 Td (" + text + b") Tj ET"
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Contents 4 0 R "
        b"/Resources << /Font << /F1 5 0 R >> >> >>",
        b"<< /Length " + str(len(stream)).encode() + b" >>\nstream\n" + stream
        + b"\nendstream",
        b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>",
    ]
    out = bytearray(b"%PDF-1.4\n")
    offsets = []
    for i, body in enumerate(objects, start=1):
        offsets.append(len(out))
        out += f"{i} 0 obj\n".encode() + body + b"\nendobj\n"
    xref = len(out)
    out += f"xref\n0 {len(objects) + 1}\n0000000000 65535 f \n".encode()
    for off in offsets:
        out += f"{off:010d} 00000 n \n".encode()
    out += (f"trailer\n<< /Size {len(objects) + 1} /Root 1 0 R >>\nstartxref\n{xref}\n"
            "%%EOF\n").encode()
    return bytes(out)


def tiny_png(width: int = 64, height: int = 24, done: float = 0.6) -> bytes:
    """A valid PNG: a progress bar, green up to `done`."""
    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(
            ">I", zlib.crc32(kind + data) & 0xFFFFFFFF)

    rows = b""
    for _y in range(height):
        row = b"\x00"
        for x in range(width):
            row += b"\x1f\x7a\x5c" if x < width * done else b"\xdd\xe3\xe0"
        rows += row
    return (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", width, height, 8, 2,
                                                               0, 0, 0))
            + chunk(b"IDAT", zlib.compress(rows)) + chunk(b"IEND", b""))


# --- helpers ---------------------------------------------------------------------------------------

def _months_between(a: dt.date, b: dt.date) -> int:
    return (b.year - a.year) * 12 + b.month - a.month - (1 if b.day < a.day else 0)


def _person(rng: random.Random) -> str:
    return f"{rng.choice(GIVEN)} {rng.choice(SURNAMES)} {rng.choice(SURNAMES)}"


def _status_for(rng: random.Random, elapsed: int, phase_start: int, due_month: int) -> str:
    """A plausible status for a step of a territory started `elapsed` months ago."""
    r = rng.random()
    if elapsed >= due_month + 2:  # well past its due date: mostly done, a few left behind
        return "done" if r < .82 else "in_progress" if r < .9 else "blocked" if r < .95 \
            else "pending"
    if elapsed >= phase_start:  # in its phase: the further in, the more is done
        f = min(1.0, (elapsed - phase_start + 1) / max(1, due_month - phase_start))
        return "done" if r < .75 * f else "in_progress" if r < .75 * f + .3 else \
            "blocked" if r < .75 * f + .36 else "pending"
    return "in_progress" if r < .08 else "pending"


def _start_dates(units, levels: dict[int, str], rng: random.Random, today: dt.date
                 ) -> dict[int, dt.date]:
    """Regions started 14-30 months ago; a zone 0-3 months after its region; a municipality
    0-18 months after its zone, never later than two weeks ago."""
    from crecer.implementation.template import add_months

    starts: dict[int, dt.date] = {}
    for u in sorted(units, key=lambda u: u.depth):
        parent_start = next((starts[a] for a in reversed(u.ancestor_ids()[:-1]) if a in starts),
                            None)
        if parent_start is None:
            start = add_months(today, -rng.randint(14, 30))
        else:
            lag = rng.randint(0, 3) if levels.get(u.depth) == "province" else rng.randint(0, 18)
            start = add_months(parent_start, lag)
        start = min(start - dt.timedelta(days=rng.randint(0, 27)),
                    today - dt.timedelta(days=14))
        starts[u.pk] = start
    return starts


# --- checklists -------------------------------------------------------------------------------------

def seed_checklists(*, rng: random.Random, today: dt.date) -> dict:
    from crecer.accounts.models import User
    from crecer.implementation import actions
    from crecer.implementation.models import Step, StepComment
    from crecer.implementation.template import load
    from crecer.territory.models import Kind, Level, OrgUnit

    tpl = load(TEMPLATE)
    levels = {lv.depth: lv.code for lv in Level.objects.all()}
    depths = [d for d, code in levels.items() if code in ("region", "province", "municipality")]
    units = list(OrgUnit.objects.filter(kind=Kind.AREA, depth__in=depths).order_by("path"))
    starts = _start_dates(units, levels, rng, today)
    phase_start = {}
    previous = 0
    for code, phase in tpl.phases.items():
        phase_start[code] = previous
        previous = phase.ends_month
    # Users who work exactly in a unit own some of its steps.
    owners: dict[int, list] = {}
    for user in User.objects.filter(territories__in=units).exclude(role="volunteer") \
            .distinct().prefetch_related("territories"):
        for t in user.territories.all():
            owners.setdefault(t.pk, []).append(user)
    checklists, comments = [], []
    groups: dict[tuple, list] = {}  # (status, owner id, completed on) -> step ids
    for unit in units:
        checklist = actions.instantiate(tpl, unit, start_date=starts[unit.pk])
        checklists.append(checklist)
        elapsed = _months_between(checklist.start_date, today)
        steps = list(checklist.steps.order_by("position"))
        for step in steps:
            due = tpl.phases[step.phase].ends_month
            step.status = _status_for(rng, elapsed, phase_start[step.phase], due)
            if owners.get(unit.pk) and rng.random() < .3:
                step.owner = rng.choice(owners[unit.pk])
        # every checklist shows every state: the first steps of the planning phase are the
        # first done, a later one is in progress, one is blocked, the last one still pending
        present = {s.status for s in steps}
        for status, step in (("done", steps[0]), ("in_progress", steps[len(steps) // 2]),
                             ("blocked", steps[len(steps) // 3]), ("pending", steps[-1])):
            if status not in present:
                step.status = status
        for step in steps:
            completed = None
            if step.status == "done":  # somewhere in the second half of the time it had
                span = max(1, (min(step.due_date, today) - checklist.start_date).days)
                completed = min(today, checklist.start_date + dt.timedelta(
                    days=max(1, round(span * rng.choice((.5, .7, .85, 1.0))))))
            if step.status == "blocked":
                comments.append(StepComment(step=step, text=rng.choice(BLOCKED_REASONS),
                                            status_from="in_progress", status_to="blocked"))
            groups.setdefault((step.status, step.owner_id, completed), []).append(step.pk)
    # set-based: one UPDATE per (status, owner, completion day) and one per component
    for (status, owner_id, completed), ids in groups.items():
        Step.objects.filter(pk__in=ids).update(status=status, owner_id=owner_id,
                                               completed_on=completed)
    for code, owner_text in OWNERS.items():
        Step.objects.filter(component_code=code).update(owner_text=owner_text)
    StepComment.objects.bulk_create(comments, batch_size=500)
    return {"checklists": checklists, "levels": levels}


def seed_evidence(checklists, *, levels: dict[int, str]) -> int:
    """A PDF and a PNG for a done step of every region, a text note for the first three
    municipalities: written through `store_upload` by `update_step`."""
    from crecer.implementation import actions

    n = 0
    municipalities = 0
    for checklist in checklists:
        level = levels.get(checklist.territory.depth)
        done = list(checklist.steps.filter(status="done").select_related(
            "checklist", "territory").order_by("position")[:2])
        if not done:
            continue
        name = checklist.territory.name
        if level == "region":
            files = [ContentFile(tiny_pdf(f"Acta de instalacion del CEIM - {name}"),
                                 name=f"acta-instalacion-ceim-{checklist.territory.code}.pdf")]
            actions.update_step(actor=None, step=done[0], files=files,
                                comment="Acta de instalación firmada.")
            if len(done) > 1:
                actions.update_step(actor=None, step=done[1], files=[ContentFile(
                    tiny_png(), name=f"avance-{checklist.territory.code}.png")])
                n += 1
            n += 1
        elif level == "municipality" and municipalities < 3:
            municipalities += 1
            note = (f"Lista de asistencia - {name}\nReunión de arranque con el equipo "
                    "municipal.\n").encode()
            actions.update_step(actor=None, step=done[0], files=[ContentFile(
                note, name=f"asistencia-{checklist.territory.code}.txt")])
            n += 1
    return n


# --- committees ---------------------------------------------------------------------------------

def _committee_units(levels: dict[int, str]):
    from crecer.territory.models import Kind, OrgUnit

    by_level = {code: depth for depth, code in levels.items()}
    out = []
    for kind, level in (("central_committee", "country"), ("state_committee", "region"),
                        ("regional_team", "region"), ("zonal_team", "province"),
                        ("municipal_council", "municipality")):
        if level in by_level:
            for unit in OrgUnit.objects.filter(kind=Kind.AREA,
                                               depth=by_level[level]).order_by("path"):
                out.append((kind, unit))
    return out


def seed_committees(*, rng: random.Random, today: dt.date, levels: dict[int, str]) -> dict:
    from crecer.accounts.models import User
    from crecer.accounts.policies import IMPLEMENTATION_MANAGERS
    from crecer.implementation import actions, queries

    counts: Counter = Counter()
    pdf_minutes = 0
    for kind, unit in _committee_units(levels):
        pattern, positions = COMMITTEES[kind]
        committee = actions.create_committee(
            actor=None, territory=unit, kind=kind, name=pattern.format(unit=unit.name),
            purpose="Seguimiento de la implementación del modelo en el territorio.")
        counts["committees"] += 1
        members = []
        # a demo account working exactly here sits on the committee (managers first)
        users = sorted(User.objects.filter(territories=unit, is_active=True)
                       .exclude(role="volunteer"),
                       key=lambda u: (u.role not in IMPLEMENTATION_MANAGERS, u.username))[:1]
        for i, position in enumerate(positions):
            since = today - dt.timedelta(days=rng.randint(90, 700))
            if i == 0 and users:
                members.append(actions.add_member(actor=None, committee=committee, user=users[0],
                                                  position=position, start_date=since))
            else:
                members.append(actions.add_member(
                    actor=None, committee=committee, person_name=_person(rng), position=position,
                    institution="IMSS-BIENESTAR" if kind != "municipal_council" else "",
                    start_date=since))
            counts["members"] += 1
        owner_choices = list(queries.owner_choices(unit)[:5])
        for m in range(rng.randint(2, 4)):
            date = today - dt.timedelta(days=30 * (m + 1) * rng.randint(1, 2) + rng.randint(0, 9))
            files = []
            if pdf_minutes < 8 and m == 0:
                pdf_minutes += 1
                files = [ContentFile(tiny_pdf(f"Acta de sesion - {date.isoformat()}"),
                                     name=f"acta-{date.isoformat()}.pdf")]
            meeting = actions.record_meeting(
                actor=None, committee=committee, date=date, place=f"Sala de reuniones, {unit}",
                minutes=MINUTES, attendees=rng.sample(members, k=max(2, len(members) - 1)),
                files=files, today=today)
            counts["meetings"] += 1
            for text in rng.sample(AGREEMENTS, k=rng.randint(1, 3)):
                owner = rng.choice(owner_choices) if owner_choices and rng.random() < .4 else None
                due = date + dt.timedelta(days=rng.choice([15, 30, 45, 60]))
                agreement = actions.add_agreement(
                    actor=None, committee=committee, meeting=meeting, text=text, owner=owner,
                    owner_text="" if owner else rng.choice(positions), due_date=due)
                counts["agreements"] += 1
                r = rng.random()
                if due < today and r < .6:
                    actions.update_agreement(actor=None, agreement=agreement, status="done",
                                             note="Cumplido.", today=min(due, today))
                elif r < .75:
                    actions.update_agreement(actor=None, agreement=agreement,
                                             status="in_progress", note="En gestión.")
                elif r < .8:
                    actions.update_agreement(actor=None, agreement=agreement,
                                             status="cancelled",
                                             note="Ya no aplica tras el cambio de local.")
    return dict(counts)


def seed_implementation(*, seed: int = 2026, today: dt.date | None = None) -> dict:
    """Checklists, evidence and committees for the demo territory (see the module doc).
    Returns counts; returns {"skipped": 1} when checklists already exist."""
    from crecer.implementation.models import Checklist, Step

    if Checklist.objects.exists():
        return {"skipped": 1}
    today = today or timezone.localdate()
    rng = random.Random(seed)
    with transaction.atomic():
        made = seed_checklists(rng=rng, today=today)
        evidence = seed_evidence(made["checklists"], levels=made["levels"])
        committees = seed_committees(rng=rng, today=today, levels=made["levels"])
    steps = Step.objects.all()
    by_status = Counter(steps.values_list("status", flat=True))
    return {
        "checklists": len(made["checklists"]), "steps": steps.count(),
        **{f"steps_{k}": v for k, v in sorted(by_status.items())},
        "late": steps.filter(due_date__lt=today).exclude(status="done").count(),
        "evidence_files": evidence, **committees,
    }
