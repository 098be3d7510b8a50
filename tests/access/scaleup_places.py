"""Scale-up objects of a place of the access matrix: the phase presets (the index lists the
place's municipality, the parent of its community) and a matrix model that applies to
communities, so that a decision can be recorded for the place's own territory."""

from __future__ import annotations

from crecer.accounts import policies as P

VIEW = P.can_view_tablero  # phases and gates are aggregates, like the tablero
DECIDE = P.can_decide_phase


def models(p=None) -> None:
    from crecer.scaleup.models import Phase, PhaseModel
    from crecer.scaleup.presets import load_models

    if PhaseModel.objects.filter(code="matrix").exists():
        return
    load_models()
    matrix = PhaseModel.objects.create(code="matrix", name="Matriz", levels=["community"],
                                       position=99)
    Phase.objects.create(model=matrix, position=1, code="uno", name="Uno")


def unit(p) -> dict:
    models()
    return {"unit_id": p.territory.pk}


def municipality_name(p) -> str:
    return p.territory.parent.name


def hold(p) -> dict:
    models()
    return {"model": "matrix", "decision": "hold", "comment": f"Matriz {p.name}"}
