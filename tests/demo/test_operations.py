"""Demo operations: stock receipts and deliveries (with one alert), co-responsibility checks."""

from __future__ import annotations

import time

import pytest

from crecer.accounts.models import User
from crecer.coresponsibility.models import ComplianceCheck
from crecer.deliveries.models import Delivery, StockMovement
from crecer.deliveries.queries import balances_for, stock_alerts

PASSWORD = "demo-pass-123"


@pytest.fixture
def small_demo(db, settings, tmp_path):
    settings.DATA_DIR = tmp_path
    from crecer.deliveries.catalogue import load_items
    from crecer.demo.fieldwork import seed_fieldwork
    from crecer.demo.generator import generate

    generate(password=PASSWORD, households=200, duplicates=5)
    seed_fieldwork(password=PASSWORD)
    load_items()


def test_demo_operations(small_demo):
    from crecer.demo.operations import seed_compliance, seed_deliveries

    started = time.monotonic()
    made = seed_deliveries()
    checks = seed_compliance()
    assert time.monotonic() - started < 20  # generous for CI; ~1 s here
    assert made["receipts"] == StockMovement.objects.filter(kind="receipt").count() > 0
    assert made["deliveries"] == Delivery.objects.count() > 0
    admin = User.objects.get(username="admin")
    balances = balances_for(admin)
    assert balances and all(b["balance"] >= 0 for b in balances)
    assert any(0 < b["balance"] < 200 for b in balances)  # some deliveries paid from stock
    alerts = stock_alerts(admin)
    assert any(a["status"] == "out" for a in alerts)
    municipal = User.objects.get(username="municipal")
    assert any(a["status"] == "out" for a in stock_alerts(municipal))  # La Ceiba's alert
    assert ComplianceCheck.objects.exists()
    assert checks["checks_compliant"] + checks["checks_not_compliant"] \
        == ComplianceCheck.objects.count()
    assert ComplianceCheck.objects.filter(compliant=False).exclude(reason="").exists()
    # a second run adds nothing to the stock
    assert seed_deliveries() == {"receipts": 0, "deliveries": 0}


def test_demo_compliance_has_both_outcomes(small_demo):
    from crecer.demo.operations import seed_compliance

    checks = seed_compliance()
    assert checks["households"] > 0
    assert checks["checks_compliant"] > 0 and checks["checks_not_compliant"] > 0
