"""Demo DHIS2 mapping: every active indicator and every area unit get deterministic, made-up
DHIS2 identifiers (the same on every run), so that the exports have something to show."""

from __future__ import annotations

import hashlib

from django.db import transaction

from crecer.indicators.models import Indicator
from crecer.territory.models import Kind, OrgUnit

from .models import IndicatorMapping, UnitMapping

_ALPHABET = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789"


def demo_uid(*parts: str) -> str:
    """A valid DHIS2 uid (a letter, then 10 letters or digits) derived from `parts`."""
    digest = hashlib.sha256(":".join(("crecer-demo", *parts)).encode()).digest()
    first = _ALPHABET[digest[0] % 52]
    return first + "".join(_ALPHABET[b % 62] for b in digest[1:11])


DEMO_DATA_SET = demo_uid("dataSet", "crecer")


@transaction.atomic
def make_mapping(*, data_set: str = DEMO_DATA_SET) -> dict[str, int]:
    """Map every active indicator (data element, default combos, `data_set`) and every area
    unit (organisation unit) to generated identifiers; existing mappings are replaced.
    Returns {"indicators": n, "units": m}."""
    indicators = list(Indicator.objects.filter(active=True).values_list("pk", "code"))
    units = list(OrgUnit.objects.filter(kind=Kind.AREA).values_list("pk", "code"))
    IndicatorMapping.objects.filter(indicator_id__in=[pk for pk, _c in indicators]).delete()
    UnitMapping.objects.filter(unit_id__in=[pk for pk, _c in units]).delete()
    IndicatorMapping.objects.bulk_create(
        [IndicatorMapping(indicator_id=pk, data_element=demo_uid("dataElement", code),
                          data_set=data_set) for pk, code in indicators], batch_size=1000)
    UnitMapping.objects.bulk_create(
        [UnitMapping(unit_id=pk, org_unit=demo_uid("orgUnit", code)) for pk, code in units],
        batch_size=1000)
    return {"indicators": len(indicators), "units": len(units)}
