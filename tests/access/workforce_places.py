"""Workforce objects of a place of the access matrix (made through the actions, by the place's
officer): workers, a training session with a volunteer, a completion to certify."""

from __future__ import annotations

import datetime as dt
import itertools

from crecer.accounts import policies as P

VIEW = P.can_view_workforce
MANAGE = P.can_manage_workforce

_n = itertools.count(1)


def _module():
    from crecer.workforce.models import Curriculum, Module

    curriculum, _ = Curriculum.objects.get_or_create(
        code="matrix", defaults={"name": "Matrix", "for_kinds": ["volunteer"]})
    return Module.objects.get_or_create(curriculum=curriculum, code="m1",
                                        defaults={"name": "Matrix module"})[0]


def fresh_worker(p, kind: str = "volunteer"):
    from crecer.workforce.actions import register_worker

    return register_worker(actor=p.officer, territory=p.territory, kind=kind,
                           given_names=f"Obrera{next(_n)}", surnames=f"Trabajadora{p.name}",
                           start_date=dt.date(2020, 1, 1))


def worker(p):
    if "worker" not in p._made:
        p._made["worker"] = fresh_worker(p)
    return p._made["worker"]


def worker_pk(p):
    return {"pk": worker(p).pk}


def worker_name(p) -> str:
    return f"Trabajadora{p.name}"


def session(p):
    """A session of the place's facilitator (a worker) for its volunteer."""
    if "session" not in p._made:
        from crecer.workforce.actions import record_session

        trainer = fresh_worker(p, "facilitator")
        p._made["session"] = record_session(
            actor=p.officer, territory=p.territory, module=_module(), trainer=trainer,
            date=dt.date(2025, 1, 10), attendees=[worker(p)])
    return p._made["session"]


def session_pk(p):
    return {"pk": session(p).pk}


def fresh_completion(p):
    from crecer.workforce.models import Completion

    return {"pk": Completion.objects.create(worker=fresh_worker(p), curriculum=_module().curriculum,
                                            completed_on=dt.date(2025, 1, 1)).pk}


def leave(p):
    return {"leave_date": "2025-06-30", "leave_reason": "moved"}


def unit(p):
    return {"unit": p.territory.pk}
