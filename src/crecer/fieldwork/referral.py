"""A visit can raise a referral: the link between a field contact and `crecer.referrals`.

`refer_from_contact` runs inside the caller's transaction (the visit form and each sync item's
savepoint), so the contact and its referral are saved together or not at all. It is idempotent
on the contact: a referral already raised by that contact (`source_contact_id`) is returned.
"""

from __future__ import annotations

from typing import Any

from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.translation import gettext as _

from crecer.referrals import actions as referrals
from crecer.referrals.models import Referral
from crecer.referrals.queries import services_for
from crecer.registry.queries import persons_for

from .models import Contact


def refer_from_contact(*, actor, contact: Contact, data: dict[str, Any]) -> Referral:
    """`data`: `person_id` (one of the persons present), `service_id` (a service of the
    directory), `reason_code`, `reason` (optional text), `urgency`."""
    found = Referral.objects.filter(source_contact_id=contact.pk).first()
    if found is not None:
        return found
    errors: dict[str, str] = {}
    person_id = str(data.get("person_id") or "")
    present = {str(p) for p in contact.persons_present}
    person = None
    if not person_id:
        errors["referral.person_id"] = _("Choose the person to refer.")
    elif person_id not in present:
        errors["referral.person_id"] = _("The person referred must be among those present.")
    else:
        person = persons_for(actor).filter(pk=person_id, household=contact.household).first()
        if person is None:
            errors["referral.person_id"] = _("The person referred is not a member of "
                                             "household %(hh)s.") % {"hh": contact.household}
    service_id = data.get("service_id")
    service = None
    if not service_id:
        errors["referral.service_id"] = _("Choose the service to refer to.")
    else:
        try:
            service = services_for(actor).filter(pk=service_id).first()
        except (ValueError, ValidationError):
            service = None
        if service is None:
            errors["referral.service_id"] = _("Service %(id)s is not in the directory of "
                                              "services near your territories.") % {
                "id": service_id}
    if errors:
        raise ValidationError(errors)
    try:
        return referrals.create_referral(
            actor=actor, person=person, to_service=service,
            reason_code=data.get("reason_code") or "", reason=data.get("reason") or "",
            urgency=data.get("urgency") or "routine",
            referred_on=timezone.localtime(contact.occurred_at).date(),
            source_contact_id=contact.pk)
    except ValidationError as exc:
        raise ValidationError({f"referral.{k}": v for k, v in exc.message_dict.items()}) \
            from exc
