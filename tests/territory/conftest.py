import pytest
from django.conf import settings
from django.utils import translation


@pytest.fixture(autouse=True)
def english(client):
    """Messages are asserted in English (the interface defaults to Spanish): in the code under
    test and in the pages the test client asks for."""
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    with translation.override("en"):
        yield
