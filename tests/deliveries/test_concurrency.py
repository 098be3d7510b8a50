"""Two deliveries of the last units at the same moment: one wins, the other is refused.

PostgreSQL only (SQLite serialises writers anyway, and its in-memory test database is not
shared between threads)."""

from __future__ import annotations

import threading

import pytest
from django.core.exceptions import ValidationError
from django.db import connection, connections
from django.utils import timezone

pytestmark = [
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(connection.vendor != "postgresql", reason="needs PostgreSQL"),
]


def test_concurrent_deliveries_cannot_overdraw(tree, users, family):
    from crecer.deliveries import actions
    from crecer.deliveries.catalogue import load_items
    from crecer.deliveries.models import Delivery

    load_items()  # a transactional test starts from flushed tables
    officer = users["municipal_officer"]
    today = timezone.localdate()
    actions.receive_stock(actor=officer, municipality=tree.muni_a1, item="food-basket",
                          quantity=3, occurred_on=today)
    barrier = threading.Barrier(2)
    outcomes: list[str] = []

    def deliver():
        try:
            barrier.wait(timeout=10)
            actions.deliver(actor=officer, household=family["household"], item="food-basket",
                            quantity=2, delivered_on=today)
            outcomes.append("ok")
        except ValidationError:
            outcomes.append("refused")
        finally:
            connections.close_all()

    threads = [threading.Thread(target=deliver) for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=30)
    assert sorted(outcomes) == ["ok", "refused"]
    assert Delivery.objects.count() == 1
