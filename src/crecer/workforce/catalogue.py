"""The starter curricula and institutions, from the seeds' training plans.

Honduras (Modelo PI): the municipal council identifies facilitators from the health and
education secretariats, Red Solidaria, SENAF…; they receive an integral training
(communication, community organisation, teaching methods, protection) as trainers of trainers,
and train community volunteers in education, communication, organisation and community
participation; volunteers visit families with key messages (nutrition, health, early
stimulation, protection) and refer them along the care routes. Municipal teams are trained in
the whole curriculum (gate of the Consolidation phase); content moves to a free self-learning
platform and only practical sessions need a facilitator (digital modules); a career and
certification path for facilitators and municipal supervisors reduces turnover.
"""

from __future__ import annotations

from django.db import transaction

INSTITUTIONS: list[dict] = [
    {"code": "salud", "name": "Secretaría de Salud", "local": True},
    {"code": "educacion", "name": "Secretaría de Educación", "local": True},
    {"code": "red-solidaria", "name": "Red Solidaria", "local": True},
    {"code": "senaf", "name": "SENAF (Niñez, Adolescencia y Familia)", "local": True},
    {"code": "municipalidad", "name": "Municipalidad", "local": True},
    {"code": "comunidad", "name": "Comunidad (voluntariado)", "local": True},
    {"code": "proyecto", "name": "Equipo del proyecto (cooperación)", "local": False},
]

V, F, S, M = "volunteer", "facilitator", "supervisor", "municipal_staff"

# (code, name, for_kind ("" = common core), hours, usual mode)
CURRICULA: list[dict] = [
    {"code": "pi-initial", "name": "Integral Early Childhood Model: initial training",
     "description": "Common core for everyone, then the modules of each role.",
     "for_kinds": [V, F, S, M], "grants_level": "basic",
     "modules": [
         ("core-rights", "Children's rights and the early-childhood model", "", 4, "digital"),
         ("core-development", "Child development and early stimulation", "", 6, "in_person"),
         ("core-nutrition-health", "Nutrition and health in early childhood", "", 4, "digital"),
         ("core-protection", "Protection and the referral routes to services", "", 4,
          "in_person"),
         ("vol-home-visits", "Home visits and key messages", V, 6, "in_person"),
         ("vol-community", "Community organisation and participation", V, 3, "in_person"),
         ("vol-records", "Recording visits, danger signs and referrals", V, 3, "digital"),
         ("fac-teaching", "Teaching methods for adults (training of trainers)", F, 8,
          "in_person"),
         ("fac-accompaniment", "Accompanying volunteers and participatory monitoring", F, 6,
          "in_person"),
         ("fac-leadership", "Communication and community leadership", F, 4, "in_person"),
         ("sup-supervision", "Supervision, quality and the tablero", S, 6, "in_person"),
         ("muni-council", "The municipal council and local planning for early childhood", M, 4,
          "in_person"),
         ("muni-management", "Monitoring, logistics and the early-childhood budget line", M, 4,
          "in_person"),
     ]},
    {"code": "pi-trainers", "name": "Career path: mentoring and training of trainers",
     "description": "For facilitators and supervisors who train and accompany others.",
     "for_kinds": [F, S], "grants_level": "intermediate",
     "modules": [
         ("mentoring", "Mentoring new facilitators and volunteers", "", 6, "in_person"),
         ("evaluation", "Biannual evaluation and the parenting-practices scale", "", 4,
          "digital"),
         ("practicum", "Supervised practicum: running a workshop", "", 8, "in_person"),
     ]},
]


def load_catalogue() -> dict[str, int]:
    """Create the starter institutions, curricula and modules that are missing (by code);
    existing rows are left as they are. Returns how many of each were created."""
    from .models import Curriculum, Institution, Module

    made = {"institutions": 0, "curricula": 0, "modules": 0}
    with transaction.atomic():
        have = set(Institution.objects.values_list("code", flat=True))
        new = [Institution(**row) for row in INSTITUTIONS if row["code"] not in have]
        Institution.objects.bulk_create(new)
        made["institutions"] = len(new)
        for spec in CURRICULA:
            curriculum, created = Curriculum.objects.get_or_create(code=spec["code"], defaults={
                "name": spec["name"], "description": spec["description"],
                "for_kinds": spec["for_kinds"], "grants_level": spec["grants_level"]})
            made["curricula"] += created
            have_modules = set(curriculum.modules.values_list("code", flat=True))
            new_modules = [
                Module(curriculum=curriculum, code=code, name=name, order=n,
                       is_core=not kind, for_kind=kind, hours=hours, mode=mode)
                for n, (code, name, kind, hours, mode) in enumerate(spec["modules"], start=1)
                if code not in have_modules]
            Module.objects.bulk_create(new_modules)
            made["modules"] += len(new_modules)
    return made
