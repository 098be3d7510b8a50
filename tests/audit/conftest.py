import pytest
from django.utils import translation


@pytest.fixture(autouse=True)
def english():
    """Messages are asserted in English (the interface defaults to Spanish)."""
    with translation.override("en"):
        yield
