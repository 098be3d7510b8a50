"""The DHIS2 mapping: identifier validation, the actions (policy, scope, uniqueness, audit),
the CSV import (all or nothing, errors naming row and column), the page, and the demo mapping."""

from __future__ import annotations

import io

import openpyxl
import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404
from django.test import Client
from django.urls import reverse

from crecer.core.models import AuditEvent
from crecer.interop import actions
from crecer.interop.demo import DEMO_DATA_SET, demo_uid, make_mapping
from crecer.interop.models import UID_RE, IndicatorMapping, UnitMapping, validate_uid

DE1, DE2, OU1, OU2, DS = "f7n9E0hX8qk", "Ix2HsbDMLea", "DiszpKrYNg8", "FNnj3jKGS7i", "pBOMPrpg1QX"


@pytest.mark.parametrize("uid", ["f7n9E0hX8qk", "A0000000000", "zzzzzzzzzzz"])
def test_valid_uids(uid):
    validate_uid(uid)


@pytest.mark.parametrize("uid", ["", "1abcdefghij", "abcdefghij", "abcdefghijkl", "abc-efghijk",
                                 "abcdéfghijk", " f7n9E0hX8q", "f7n9E0hX8q\n"])
def test_invalid_uids(uid):
    with pytest.raises(ValidationError):
        validate_uid(uid)


def test_model_fields_validate(indicators):
    mapping = IndicatorMapping(indicator=indicators["children"], data_element="bad",
                               category_option_combo="1nvalidxxxx")
    with pytest.raises(ValidationError) as exc:
        mapping.full_clean()
    assert set(exc.value.message_dict) == {"data_element", "category_option_combo"}


def test_save_indicator_mapping_is_audited(indicators, users):
    officer = users["data_officer"]
    m = actions.save_indicator_mapping(actor=officer, indicator=indicators["children"],
                                       data={"data_element": f" {DE1} ", "data_set": DS})
    assert (m.data_element, m.category_option_combo, m.data_set) == (DE1, "", DS)
    event = AuditEvent.objects.get(entity="interop.indicatormapping", action="create")
    assert event.changes["data_element"] == [None, DE1]
    actions.save_indicator_mapping(actor=officer, indicator=indicators["children"],
                                   data={"data_element": DE2})
    m.refresh_from_db()
    assert (m.data_element, m.data_set) == (DE2, "")
    update = AuditEvent.objects.get(entity="interop.indicatormapping", action="update")
    assert update.changes["data_element"] == [DE1, DE2]
    assert actions.remove_indicator_mapping(actor=officer, indicator=indicators["children"])
    assert not IndicatorMapping.objects.exists()
    assert AuditEvent.objects.filter(entity="interop.indicatormapping", action="delete").exists()


def test_indicator_mapping_errors_name_the_field(indicators, users):
    officer = users["admin"]
    with pytest.raises(ValidationError) as exc:
        actions.save_indicator_mapping(actor=officer, indicator=indicators["children"],
                                       data={"data_element": "", "attribute_option_combo": "x"})
    assert set(exc.value.message_dict) == {"data_element", "attribute_option_combo"}
    actions.save_indicator_mapping(actor=officer, indicator=indicators["children"],
                                   data={"data_element": DE1})
    with pytest.raises(ValidationError) as exc:  # the same data element and combos: refused
        actions.save_indicator_mapping(actor=officer, indicator=indicators["caregivers"],
                                       data={"data_element": DE1})
    assert "children" in exc.value.message_dict["data_element"][0]
    # the same data element with another category option combo is another DHIS2 value
    actions.save_indicator_mapping(actor=officer, indicator=indicators["caregivers"],
                                   data={"data_element": DE1, "category_option_combo": DE2})
    assert IndicatorMapping.objects.count() == 2


def test_only_indicator_managers_map(indicators, users, tree):
    for role in ("volunteer", "municipal_officer", "regional_manager", "national_manager"):
        with pytest.raises(PermissionDenied):
            actions.save_indicator_mapping(actor=users[role], indicator=indicators["children"],
                                           data={"data_element": DE1})
    with pytest.raises(PermissionDenied):
        actions.save_unit_mapping(actor=users["national_manager"], unit=tree.muni_a1,
                                  org_unit=OU1)
    assert not IndicatorMapping.objects.exists() and not UnitMapping.objects.exists()


def test_unit_mapping_scope_and_uniqueness(tree, users, make_user):
    admin = users["admin"]
    m = actions.save_unit_mapping(actor=admin, unit=tree.muni_a1, org_unit=OU1)
    assert m.org_unit == OU1
    event = AuditEvent.objects.get(entity="interop.unitmapping")
    assert event.territory_path == tree.muni_a1.path
    with pytest.raises(ValidationError) as exc:
        actions.save_unit_mapping(actor=admin, unit=tree.muni_b1, org_unit=OU1)
    assert "HN-0101" in exc.value.message_dict["org_unit"][0]
    with pytest.raises(ValidationError):
        actions.save_unit_mapping(actor=admin, unit=tree.muni_b1, org_unit="DiszpKrYNg")
    # a data officer of region B: region A's units are outside (404), and the clash message
    # does not name a unit she cannot see
    officer_b = make_user("data_b", "data_officer", tree.region_b)
    with pytest.raises(Http404):
        actions.save_unit_mapping(actor=officer_b, unit=tree.muni_a1, org_unit=OU2)
    with pytest.raises(Http404):
        actions.remove_unit_mapping(actor=officer_b, unit=tree.muni_a1)
    with pytest.raises(ValidationError) as exc:
        actions.save_unit_mapping(actor=officer_b, unit=tree.muni_b1, org_unit=OU1)
    assert "HN-0101" not in exc.value.message_dict["org_unit"][0]
    actions.save_unit_mapping(actor=officer_b, unit=tree.muni_b1, org_unit=OU2)
    assert dict(UnitMapping.objects.values_list("unit__code", "org_unit")) == {
        "HN-0101": OU1, "HN-0801": OU2}


# --- CSV import --------------------------------------------------------------------------------

def _csv(*lines: str, header: str = "kind,code,uid,category_option_combo,"
                                    "attribute_option_combo,data_set") -> bytes:
    return ("\ufeff" + "\r\n".join((header, *lines)) + "\r\n").encode("utf-8")


def test_import_saves_everything(indicators, tree, users):
    data = _csv(f"indicator,children,{DE1},,,{DS}",
                f"indicator,girls_share,{DE2},{DE1},,{DS}",
                f"unit,HN-0101,{OU1},,,",
                f"unit,hn-0801,{OU2},,,")
    result = actions.import_mapping(actor=users["data_officer"], data=data)
    assert result.ok, result.errors
    assert (result.indicators, result.units, result.changed) == (2, 2, 4)
    assert dict(IndicatorMapping.objects.values_list("indicator__code", "data_element")) == {
        "children": DE1, "girls_share": DE2}
    assert IndicatorMapping.objects.get(indicator__code="girls_share").category_option_combo == DE1
    assert dict(UnitMapping.objects.values_list("unit__code", "org_unit")) == {
        "HN-0101": OU1, "HN-0801": OU2}
    assert AuditEvent.objects.filter(entity__startswith="interop.").count() == 4
    # the same file again changes nothing; a file that swaps two organisation units is fine
    again = actions.import_mapping(actor=users["data_officer"], data=data)
    assert again.ok and again.changed == 0
    swap = actions.import_mapping(actor=users["data_officer"], data=_csv(
        f"unit,HN-0101,{OU2},,,", f"unit,HN-0801,{OU1},,,"))
    assert swap.ok, swap.errors
    assert dict(UnitMapping.objects.values_list("unit__code", "org_unit")) == {
        "HN-0101": OU2, "HN-0801": OU1}
    updates = AuditEvent.objects.filter(entity="interop.unitmapping", action="update")
    assert updates.count() == 2


def test_import_semicolons_and_windows_encoding(indicators, tree, users):
    data = (f"kind;code;uid\r\nunit;HN-0101;{OU1}\r\nindicator;children;{DE1}\r\n"
            ).encode("cp1252")
    result = actions.import_mapping(actor=users["admin"], data=data)
    assert result.ok, result.errors
    assert UnitMapping.objects.get().org_unit == OU1


def test_import_names_bad_rows_and_saves_nothing(indicators, tree, users, make_user):
    actions.save_unit_mapping(actor=users["admin"], unit=tree.muni_b1, org_unit=OU2)
    officer_a = make_user("data_a", "data_officer", tree.region_a)
    data = _csv(f"indicator,children,{DE1},,,",          # 2 fine
                "indicator,nope,f7n9E0hX8qk,,,",          # 3 unknown indicator
                "indicator,caregivers,12345678901,,,",    # 4 bad uid
                f"indicator,girls_share,{DE2},bad,,",     # 5 bad combo
                f"unit,HN-0101,{OU1},,,",                 # 6 fine
                f"unit,HN-0801,{OU1},,,",                 # 7 outside her territories
                f"unit,HN-0102,{OU2},,,",                 # 8 taken by HN-0801 (kept)
                f"planet,HN-0102,{OU1},,,",               # 9 bad kind
                f"unit,HN-0101,{OU1},,,",                 # 10 twice
                f"unit,HN-0101-001,{DE2},{DE1},,",        # 11 combo on a unit row
                f"indicator,caregivers,{DE1},,,")         # 12 same data element as row 2
    result = actions.import_mapping(actor=officer_a, data=data)
    assert not result.ok
    assert result.errors == [
        "row 3, code: No indicator “nope”.",
        "row 4, uid: “12345678901” is not a DHIS2 identifier (11 letters or digits, starting "
        "with a letter).",
        "row 5, category_option_combo: “bad” is not a DHIS2 identifier (11 letters or digits, "
        "starting with a letter).",
        "row 7, code: No territory “HN-0801” among your territories.",
        "row 9, kind: Use “indicator” or “unit”.",
        "row 10, code: Territory “HN-0101” is also on row 6.",
        "row 11, category_option_combo: Only indicator rows take this column.",
        "row 2, uid: This data element and combination receive another indicator too.",
        "row 12, uid: This data element and combination receive another indicator too.",
        "row 8, uid: This organisation unit is the one of another territory too.",
    ]
    assert not IndicatorMapping.objects.exists()
    assert list(UnitMapping.objects.values_list("unit__code", flat=True)) == ["HN-0801"]
    assert not AuditEvent.objects.filter(entity__startswith="interop.",
                                         actor_username="data_a").exists()


def test_import_refuses_files_without_the_columns(users, tree):
    result = actions.import_mapping(actor=users["admin"], data=b"code,uid\r\nHN,x\r\n")
    assert result.errors == ["Missing column “kind”."]
    assert actions.import_mapping(actor=users["admin"], data=b"kind,code,uid\r\n").errors == [
        "The file has no rows."]
    with pytest.raises(PermissionDenied):
        actions.import_mapping(actor=users["regional_manager"], data=b"kind,code,uid\r\n")


# --- the page ----------------------------------------------------------------------------------

def _client(user) -> Client:
    client = Client()
    client.force_login(user)
    client.cookies["django_language"] = "en"  # the pages' text is asserted in English
    return client


def test_mapping_page_edit_import_and_export(indicators, tree, users):
    client = _client(users["data_officer"])
    url = reverse("interop:mapping")
    page = client.get(url)
    assert page.status_code == 200
    assert b"girls_share" in page.content and b"not mapped" in page.content
    saved = client.post(url, {"kind": "indicator", "indicator": "children",
                              "data_element": DE1, "data_set": DS})
    assert saved.status_code == 302
    bad = client.post(url, {"kind": "unit", "unit": "HN-0101", "org_unit": "nope"})
    assert bad.status_code == 400
    assert "is not a DHIS2 identifier" in bad.content.decode()
    assert client.post(url, {"kind": "unit", "unit": "HN-0101",
                             "org_unit": OU1}).status_code == 302
    assert client.post(url, {"kind": "unit", "unit": "XX-9", "org_unit": OU1}).status_code == 404
    page = client.get(url).content.decode()
    assert DE1 in page and OU1 in page

    upload = io.BytesIO(_csv(f"unit,HN-0801,{OU2},,,"))
    upload.name = "mapping.csv"
    assert client.post(reverse("interop:mapping_import"), {"file": upload}).status_code == 302
    upload = io.BytesIO(_csv("unit,HN-0102,nope,,,"))
    upload.name = "mapping.csv"
    refused = client.post(reverse("interop:mapping_import"), {"file": upload})
    assert refused.status_code == 400
    assert "row 2, uid:" in refused.content.decode()

    exported = client.get(reverse("interop:mapping_export"))
    assert exported["Content-Disposition"].startswith('attachment; filename="dhis2-mapping-')
    text = exported.content.decode("utf-8-sig")
    assert text.splitlines() == [
        "kind,code,uid,category_option_combo,attribute_option_combo,data_set",
        f"indicator,children,{DE1},,,{DS}", f"unit,HN-0101,{OU1},,,", f"unit,HN-0801,{OU2},,,"]
    # the export reads back in unchanged
    assert actions.import_mapping(actor=users["data_officer"],
                                  data=exported.content).changed == 0
    book = openpyxl.load_workbook(io.BytesIO(client.get(
        reverse("interop:mapping_export"), {"format": "xlsx"}).content))
    assert book.active["C2"].value == DE1

    removed = client.post(reverse("interop:mapping_remove"),
                          {"kind": "unit", "unit": tree.muni_b1.pk})
    assert removed.status_code == 302
    client.post(reverse("interop:mapping_remove"), {"kind": "indicator", "indicator": "children"})
    assert list(UnitMapping.objects.values_list("unit__code", flat=True)) == ["HN-0101"]
    assert not IndicatorMapping.objects.exists()


def test_mapping_page_access(indicators, tree, users):
    url = reverse("interop:mapping")
    assert _client(users["national_manager"]).get(url).status_code == 403
    outsider = _client(users["municipal_officer_b"])
    # a unit outside her territories: 404 before the role is even looked at
    assert outsider.post(url, {"kind": "unit", "unit": "HN-0101",
                               "org_unit": OU1}).status_code == 404
    assert outsider.post(url, {"kind": "unit", "unit": "HN-0801",
                               "org_unit": OU1}).status_code == 403
    assert Client().get(url).status_code == 302


# --- demo --------------------------------------------------------------------------------------

def test_demo_mapping_is_complete_valid_and_deterministic(indicators, tree):
    assert make_mapping() == {"indicators": 4, "units": 12}
    first = dict(UnitMapping.objects.values_list("unit__code", "org_unit"))
    first_ind = dict(IndicatorMapping.objects.values_list("indicator__code", "data_element"))
    assert "HN-0101-CS1" not in first  # service points are not mapped
    assert all(UID_RE.match(uid) for uid in [*first.values(), *first_ind.values(), DEMO_DATA_SET])
    assert len(set(first.values())) == len(first)
    assert set(IndicatorMapping.objects.values_list("data_set", flat=True)) == {DEMO_DATA_SET}
    assert make_mapping() == {"indicators": 4, "units": 12}
    assert dict(UnitMapping.objects.values_list("unit__code", "org_unit")) == first
    assert first["HN-0101"] == demo_uid("orgUnit", "HN-0101")
