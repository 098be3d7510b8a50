"""The starter catalogue of items, from the programmes of the seeds (Cuna Más kits and food
baskets, iron supplementation, multimicronutrients, the COVID-19 protection kit)."""

from __future__ import annotations

ITEMS: list[dict[str, str]] = [
    {"code": "kit-stimulation", "name": "Early-stimulation kit", "kind": "kit", "unit": "kit"},
    {"code": "kit-hygiene", "name": "Hygiene kit", "kind": "kit", "unit": "kit"},
    {"code": "food-basket", "name": "Food basket", "kind": "food_basket", "unit": "basket"},
    {"code": "iron-drops", "name": "Iron drops (ferrous sulfate)", "kind": "supplement",
     "unit": "bottle"},
    {"code": "mmn-sachets", "name": "Multimicronutrient sachets", "kind": "supplement",
     "unit": "box"},
    {"code": "kit-covid", "name": "COVID-19 protection kit", "kind": "kit", "unit": "kit"},
]


def load_items(item_model=None) -> int:
    """Create the starter items that are missing (by code); existing ones are left as the
    administrator edited them. Returns how many were created. `item_model` lets a data
    migration pass its historical model."""
    if item_model is None:
        from .models import Item as item_model
    existing = set(item_model.objects.values_list("code", flat=True))
    new = [item_model(**row) for row in ITEMS if row["code"] not in existing]
    item_model.objects.bulk_create(new)
    return len(new)
