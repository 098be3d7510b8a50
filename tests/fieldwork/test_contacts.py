import datetime as dt
import uuid

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone

from crecer.core.models import AuditEvent
from crecer.fieldwork import actions
from crecer.fieldwork.models import Contact, ContactStatus


def _data(family, **extra):
    data = {"id": str(uuid.uuid4()), "kind": "home_visit",
            "occurred_at": (timezone.now() - dt.timedelta(hours=2)).isoformat(),
            "persons_present": [str(family["mother"].pk), str(family["child"].pk)],
            "messages_given": ["STIM-PLAY", "PROT-DISC"],
            "items_delivered": [{"item_code": "KIT-DIT", "quantity": 1}],
            "observations": {"danger_signs": ["fever"], "weight_kg": "11.2"}}
    data.update(extra)
    return data


def test_record_contact_is_idempotent_on_the_client_uuid(users, family, enrolled):
    vol = users["volunteer"]
    data = _data(family)
    first = actions.record_contact(actor=vol, household=family["household"], data=data)
    again = actions.record_contact(actor=vol, household=family["household"], data=dict(data))
    assert first.pk == again.pk == uuid.UUID(data["id"])
    assert Contact.objects.count() == 1
    assert AuditEvent.objects.filter(entity="fieldwork.contact").count() == 1
    assert first.observations == {"danger_signs": ["fever"], "weight_kg": 11.2}
    assert first.items_delivered == [{"item_code": "KIT-DIT", "quantity": 1}]


def test_uuid_of_another_contact_is_refused(users, family, enrolled, make_user, tree, presets):
    data = _data(family)
    actions.record_contact(actor=users["volunteer"], household=family["household"], data=data)
    from crecer.programmes.actions import assign_volunteer

    other = make_user("vol2", "volunteer", tree.comm_a1)
    assign_volunteer(actor=users["municipal_officer"], enrolment=enrolled, volunteer=other)
    with pytest.raises(ValidationError, match="already used"):
        actions.record_contact(actor=other, household=family["household"], data=data)


def test_future_visit_is_rejected(users, family, enrolled):
    data = _data(family, occurred_at=(timezone.now() + dt.timedelta(days=1)).isoformat())
    with pytest.raises(ValidationError) as exc:
        actions.record_contact(actor=users["volunteer"], household=family["household"], data=data)
    assert "in the future" in str(exc.value.message_dict["occurred_at"])
    assert not Contact.objects.exists()


def test_outside_caseload_is_rejected(users, family, presets, make_user, tree):
    # not enrolled at all
    with pytest.raises(ValidationError, match="not in your caseload"):
        actions.record_contact(actor=users["volunteer"], household=family["household"],
                               data=_data(family))
    # enrolled with another volunteer
    from crecer.programmes.actions import enrol

    other = make_user("vol2", "volunteer", tree.comm_a1)
    enrol(actor=users["municipal_officer"], programme=presets["honduras-pi-volunteers"],
          household=family["household"], volunteer=other, start=dt.date(2025, 1, 1))
    with pytest.raises(ValidationError, match="not in your caseload"):
        actions.record_contact(actor=users["volunteer"], household=family["household"],
                               data=_data(family))
    assert not Contact.objects.exists()


def test_outsider_and_wrong_role_are_refused(users, family, enrolled, make_user, tree):
    far = make_user("vol_far", "volunteer", tree.comm_b1)
    with pytest.raises(PermissionDenied):
        actions.record_contact(actor=far, household=family["household"], data=_data(family))
    with pytest.raises(PermissionDenied):
        actions.record_contact(actor=users["municipal_officer"], household=family["household"],
                               data=_data(family))


@pytest.mark.parametrize("extra, field, text", [
    ({"messages_given": ["NOPE"]}, "messages_given", "Unknown key message “NOPE”"),
    ({"items_delivered": [{"item_code": "GOLD", "quantity": 1}]}, "items_delivered",
     "unknown item “GOLD”"),
    ({"items_delivered": [{"item_code": "KIT-DIT", "quantity": 0}]}, "items_delivered",
     "quantity"),
    ({"persons_present": [str(uuid.uuid4())]}, "persons_present", "not a member"),
    ({"kind": "call"}, "remote_outcome", "reached"),
    ({"remote_outcome": "reached"}, "remote_outcome", "Only calls"),
    ({"observations": {"weight_kg": "900"}}, "observations", "weight_kg"),
    ({"occurred_at": "yesterday"}, "occurred_at", "not a date"),
    ({"id": "not-a-uuid"}, "id", "not a UUID"),
    ({"occurred_at": "2024-06-30T10:00:00"}, "persons_present", "after the contact"),
])
def test_bad_input_names_the_field(users, family, enrolled, extra, field, text):
    with pytest.raises(ValidationError) as exc:
        actions.record_contact(actor=users["volunteer"], household=family["household"],
                               data=_data(family, **extra))
    assert text in " ".join(exc.value.message_dict[field])
    assert not Contact.objects.exists()


def test_remote_call_records_outcome(users, family, enrolled):
    c = actions.record_contact(actor=users["volunteer"], household=family["household"],
                               data=_data(family, kind="call", remote_outcome="no_answer",
                                          items_delivered=[], persons_present=[]))
    assert c.remote_outcome == "no_answer"


def test_facilitator_validates_or_returns(users, family, enrolled):
    vol, fac = users["volunteer"], users["facilitator"]
    c1 = actions.record_contact(actor=vol, household=family["household"], data=_data(family))
    c2 = actions.record_contact(actor=vol, household=family["household"], data=_data(family))
    with pytest.raises(PermissionDenied):
        actions.validate_contact(actor=vol, contact=c1)
    with pytest.raises(PermissionDenied):
        actions.validate_contact(actor=users["municipal_officer_b"], contact=c1)
    actions.validate_contact(actor=fac, contact=c1)
    assert c1.status == ContactStatus.VALIDATED and c1.validated_by == fac and c1.validated_at
    with pytest.raises(ValidationError, match="already"):
        actions.return_contact(actor=fac, contact=c1, reason="x")
    with pytest.raises(ValidationError):
        actions.return_contact(actor=fac, contact=c2, reason="")
    actions.return_contact(actor=fac, contact=c2, reason="Weight missing")
    c2.refresh_from_db()
    assert c2.status == ContactStatus.RETURNED and c2.review_note == "Weight missing"
