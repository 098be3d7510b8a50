"""The expression language: what it accepts, and where and why it refuses the rest."""

from __future__ import annotations

import pytest
from django.utils import translation

from crecer.indicators.expression import (
    ExpressionError,
    aggregates,
    check,
    condition_sql,
    dims_supported,
)


@pytest.fixture(autouse=True)
def english():
    """The messages below are asserted in English (the interface is Spanish by default)."""
    with translation.override("en"):
        yield


@pytest.mark.parametrize("text", [
    'count(persons where child and age_band in ("0-11m", "12-23m"))',
    "sum(deliveries.quantity where item_kind = 'kit') / count(households) * 100",
    "count_distinct(contacts.household_id where kind = 'call' and reached)",
    "count(referrals where counter_referred) + count(referrals where status = 'rejected')",
    "count(persons where sex = 'F' or not (pregnant or caregiver))",
    "-count(contacts) + 2.5 * (count(contacts where danger_sign) - 1)",
    "COUNT(persons WHERE child AND NOT pregnant)".replace("COUNT", "count"),
])
def test_valid_expressions(text):
    tree = check(text)
    assert aggregates(tree)


@pytest.mark.parametrize("text, where, why", [
    ("count(persons where sexo = 'F')", (1, 21), "'sexo' is not a field of persons"),
    ("count(persns)", (1, 1), "unknown source 'persns'"),
    ("sum(persons.sex)", (1, 1), "sum needs a numeric field of persons"),
    ("count(referrals where status = 'done')", (1, 23), "'done' is not a value of referrals.status"),
    ("3 +* 4", (1, 4), "unexpected '*'"),
    ("count(persons where child", None, "ends too early"),
    ("count(persons where age_band > 3)", (1, 21), "is a code: use =, != or in"),
    ("count(persons where child = 'yes')", (1, 21), "is true or false"),
    ("count(contacts.kind)", (1, 1), "count takes a source, not a field"),
    ("count(persons) # note", (1, 16), "unexpected character '#'"),
    ("12", None, "counts or sums nothing"),
    ("", None, "empty"),
])
def test_errors_say_where_and_why(text, where, why):
    with pytest.raises(ExpressionError) as caught:
        check(text)
    assert why in caught.value.message
    if where:
        assert (caught.value.line, caught.value.column) == where
        assert str(caught.value).startswith(f"line {where[0]}, column {where[1]}: ")



def test_errors_are_in_the_users_language():
    with translation.override("es"), pytest.raises(ExpressionError) as caught:
        check("count(persons where sexo = 'F')")
    assert caught.value.message.startswith("'sexo' no es un campo de persons; sus campos son: ")
    assert str(caught.value).startswith("línea 1, columna 21: 'sexo' no es un campo")
    with translation.override("es"), pytest.raises(ExpressionError) as caught:
        check("count(persons where")
    assert str(caught.value) == ("la expresión termina antes de tiempo; se esperaba '(', not, "
                                 "un nombre")

def test_database_codes_are_checked_through_the_callback():
    known = {("enrolments", "programme"): {"juntos"}}.get
    check("count(enrolments where programme = 'juntos')", lambda s, f: known((s, f)))
    with pytest.raises(ExpressionError, match="'cuna' is not a value of enrolments.programme"):
        check("count(enrolments where programme = 'cuna')", lambda s, f: known((s, f)))


def test_values_are_quoted_in_sql():
    (agg,) = aggregates(check("count(persons where ethnicity = \"O'Brien'; DROP TABLE x; --\")"))
    assert condition_sql(agg.where) == "\"ethnicity\" = 'O''Brien''; DROP TABLE x; --'"


def test_disaggregations_supported_by_every_aggregate():
    tree = check("count(referrals where counter_referred) / count(persons)")
    assert dims_supported(tree) == {"sex", "age_band", "area", "programme"}
    assert dims_supported(check("sum(aggregate.value where element = 'x')")) == set()


def test_equal_aggregates_share_a_key():
    a = aggregates(check("count(persons where child and sex = 'F')"))[0]
    b = aggregates(check("count( persons  where child and sex = \"F\" )"))[0]
    assert a.key == b.key
