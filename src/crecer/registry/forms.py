"""Forms of the registry pages.

The forms only collect and show values: every rule comes from `validation.py` (so the pages,
the API and imports agree), every write goes through `actions.py`, and likely duplicates come
from `crecer.dedup.matching.find_candidates`. `HouseholdRegistration` and `MemberAddition`
bundle the forms of one page with the duplicate check and the save in one transaction.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable, Sequence
from typing import Any

from django import forms
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import QuerySet
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from crecer.accounts.scope import units_for
from crecer.dedup import matching
from crecer.territory.models import Kind, OrgUnit

from . import actions
from .models import (
    Area,
    Household,
    IdType,
    Person,
    PovertyLevel,
    RelationshipKind,
    RoleKind,
    Sex,
    WaterSource,
)
from .validation import PERSON_FIELDS, clean_expected_delivery, clean_household, clean_person

DATE = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
MEMBER_ROLES = [
    (RoleKind.CAREGIVER.value, RoleKind.CAREGIVER.label),
    (RoleKind.CHILD.value, RoleKind.CHILD.label),
    (RoleKind.PREGNANT.value, RoleKind.PREGNANT.label),
    (RoleKind.HEAD.value, RoleKind.HEAD.label),
    (RoleKind.OTHER.value, RoleKind.OTHER.label),
]
CAREGIVER_IS = [
    ("", gettext_lazy("mother or father (by the caregiver's sex)")),
    (RelationshipKind.GRANDPARENT.value, RelationshipKind.GRANDPARENT.label),
    (RelationshipKind.SIBLING.value, RelationshipKind.SIBLING.label),
    (RelationshipKind.GUARDIAN.value, RelationshipKind.GUARDIAN.label),
    (RelationshipKind.OTHER.value, RelationshipKind.OTHER.label),
]
NEW_PERSON = "new"


def communities_for(user, *, current: OrgUnit | None = None) -> QuerySet[OrgUnit]:
    """Where a household may live: the area units in the user's scope with no area below them
    (the communities, or a municipality not yet divided), plus its current unit when editing."""
    parents = OrgUnit.objects.filter(kind=Kind.AREA, parent__isnull=False).values("parent_id")
    units = units_for(user).filter(kind=Kind.AREA).exclude(pk__in=parents)
    if current is not None:
        units = units | OrgUnit.objects.filter(pk=current.pk)
    return units.select_related("parent").order_by("parent__name", "name")


def country_of(territory: OrgUnit | None) -> str:
    return actions._country(territory) if territory is not None else ""


class CommunityField(forms.ModelChoiceField):
    def label_from_instance(self, obj: OrgUnit) -> str:
        return f"{obj.name} ({obj.parent.name})" if obj.parent_id else obj.name


class RuleErrorsMixin:
    """Put the field → message dict of a `validation` ValidationError on the form's fields."""

    def add_rule_errors(self, exc: ValidationError) -> None:
        if not hasattr(exc, "error_dict"):
            self.add_error(None, exc.messages)  # type: ignore[attr-defined]
            return
        for field, messages in exc.message_dict.items():
            self.add_error(field if field in self.fields else None, messages)  # type: ignore[attr-defined]


class HouseholdForm(RuleErrorsMixin, forms.Form):
    territory = CommunityField(queryset=OrgUnit.objects.none(), label=gettext_lazy("Community"),
                               empty_label=gettext_lazy("— choose the community —"))
    code = forms.CharField(label=gettext_lazy("Household code"), max_length=32, required=False,
                           help_text=gettext_lazy("Optional: the code used on paper forms."))
    address = forms.CharField(label=gettext_lazy("Address or directions"), max_length=255, required=False)
    area = forms.ChoiceField(label=gettext_lazy("Area"), choices=Area.choices, initial=Area.RURAL)
    poverty_level = forms.ChoiceField(label=gettext_lazy("Poverty level"), choices=PovertyLevel.choices,
                                      initial=PovertyLevel.UNKNOWN)
    water_source = forms.ChoiceField(label=gettext_lazy("Water source"), required=False,
                                     choices=[("", "—"), *WaterSource.choices])
    has_electricity = forms.ChoiceField(
        label=gettext_lazy("Electricity"), required=False,
        choices=[("", gettext_lazy("unknown")), ("yes", gettext_lazy("yes")), ("no", gettext_lazy("no"))])
    rooms = forms.CharField(label=gettext_lazy("Rooms"), required=False,
                            widget=forms.NumberInput(attrs={"min": 0, "inputmode": "numeric"}))
    monthly_income = forms.CharField(
        label=gettext_lazy("Monthly income"), required=False,
        widget=forms.NumberInput(attrs={"min": 0, "step": "0.01", "inputmode": "decimal"}))
    latitude = forms.CharField(label=gettext_lazy("Latitude"), required=False,
                               widget=forms.TextInput(attrs={"inputmode": "decimal"}))
    longitude = forms.CharField(label=gettext_lazy("Longitude"), required=False,
                                widget=forms.TextInput(attrs={"inputmode": "decimal"}))

    def __init__(self, *args, user, current: OrgUnit | None = None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["territory"].queryset = communities_for(user, current=current)
        self.household_data: dict[str, Any] = {}

    @classmethod
    def initial_for(cls, household: Household) -> dict[str, Any]:
        elec = household.has_electricity
        return {
            "territory": household.territory_id, "code": household.code,
            "address": household.address, "area": household.area,
            "poverty_level": household.poverty_level, "water_source": household.water_source,
            "has_electricity": "" if elec is None else ("yes" if elec else "no"),
            "rooms": household.rooms if household.rooms is not None else "",
            "monthly_income": household.monthly_income if household.monthly_income is not None else "",
            "latitude": household.latitude if household.latitude is not None else "",
            "longitude": household.longitude if household.longitude is not None else "",
        }

    def clean(self):
        data = super().clean()
        try:
            self.household_data = clean_household(data)
        except ValidationError as exc:
            self.add_rule_errors(exc)
        return data


class PersonForm(RuleErrorsMixin, forms.Form):
    """The person's own fields. Django only renders them; `clean_person` decides."""

    given_names = forms.CharField(label=gettext_lazy("Given names"), max_length=120, required=False,
                                  widget=forms.TextInput(attrs={"autocomplete": "off"}))
    first_surname = forms.CharField(label=gettext_lazy("First surname"), max_length=80, required=False,
                                    widget=forms.TextInput(attrs={"autocomplete": "off"}))
    second_surname = forms.CharField(label=gettext_lazy("Second surname"), max_length=80, required=False,
                                     widget=forms.TextInput(attrs={"autocomplete": "off"}))
    sex = forms.ChoiceField(label=gettext_lazy("Sex"), required=False, choices=[("", "—"), *Sex.choices])
    birth_date = forms.CharField(label=gettext_lazy("Birth date"), required=False, widget=DATE)
    birth_date_estimated = forms.BooleanField(label=gettext_lazy("Birth date is estimated"),
                                              required=False)
    id_type = forms.ChoiceField(label=gettext_lazy("ID type"), required=False, choices=IdType.choices)
    id_number = forms.CharField(label=gettext_lazy("ID number"), max_length=40, required=False,
                                widget=forms.TextInput(attrs={"autocomplete": "off"}))
    phone = forms.CharField(label=gettext_lazy("Phone"), max_length=24, required=False,
                            widget=forms.TextInput(attrs={"type": "tel", "inputmode": "tel"}))
    language = forms.CharField(label=gettext_lazy("Language"), max_length=32, required=False)
    ethnicity = forms.CharField(label=gettext_lazy("Ethnicity"), max_length=64, required=False)
    disability = forms.BooleanField(label=gettext_lazy("Has a disability"), required=False)
    disability_detail = forms.CharField(label=gettext_lazy("Disability detail"), max_length=255,
                                        required=False)
    # Kept as it was when editing; otherwise derived from the ID type or the territory.
    id_country = forms.CharField(max_length=2, required=False, widget=forms.HiddenInput)

    country = ""  # ISO country of the household's territory, for IDs and phones

    def __init__(self, *args, country: str = "", **kwargs):
        super().__init__(*args, **kwargs)
        self.country = country
        self.person_data: dict[str, Any] = {}

    @staticmethod
    def initial_for(person: Person) -> dict[str, Any]:
        out = {name: getattr(person, name) for name in PERSON_FIELDS}
        out["birth_date"] = person.birth_date.isoformat() if person.birth_date else ""
        return out

    def clean(self):
        data = super().clean()
        try:
            self.person_data = clean_person(data, country=self.country)
        except ValidationError as exc:
            self.add_rule_errors(exc)
        return data


class PersonEditForm(PersonForm):
    expected_delivery_date = forms.CharField(
        label=gettext_lazy("Expected delivery date (if pregnant)"), required=False, widget=DATE)

    def clean(self):
        data = super().clean()
        self.edd = None
        if data.get("expected_delivery_date"):
            try:
                self.edd = clean_expected_delivery(data["expected_delivery_date"])
            except ValidationError as exc:
                self.add_rule_errors(exc)
        return data


class MemberForm(PersonForm):
    """One member of a household being registered, with the duplicate choice."""

    role = forms.ChoiceField(label=gettext_lazy("Role in the household"), choices=MEMBER_ROLES)
    pregnant = forms.BooleanField(label=gettext_lazy("Pregnant"), required=False)
    expected_delivery_date = forms.CharField(label=gettext_lazy("Expected delivery date"),
                                             required=False, widget=DATE)
    caregiver_is = forms.ChoiceField(label=gettext_lazy("The caregiver is the child's"),
                                     choices=CAREGIVER_IS, required=False)
    # Rendered by hand in the duplicate warning: NEW_PERSON or the id of the chosen candidate,
    # and the fingerprint of the data the choice was made on.
    match = forms.CharField(required=False, widget=forms.HiddenInput)
    checked = forms.CharField(required=False, widget=forms.HiddenInput)

    field_order = ["role", "given_names", "first_surname", "second_surname", "sex", "birth_date"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.roles: list[str] = []
        self.edd = None
        self.territory: OrgUnit | None = None
        self.candidates: list[matching.Candidate] = []
        self.link_to: Person | None = None
        self.chosen = ""

    def clean(self):
        data = super().clean()
        role = data.get("role") or ""
        self.roles = [role] if role else []
        if data.get("pregnant") and role != RoleKind.PREGNANT:
            self.roles.append(RoleKind.PREGNANT)
        if RoleKind.PREGNANT in self.roles:
            try:
                self.edd = clean_expected_delivery(data.get("expected_delivery_date"))
            except ValidationError as exc:
                self.add_rule_errors(exc)
        return data

    @property
    def main_role(self) -> str:
        return self.cleaned_data.get("role", "") if hasattr(self, "cleaned_data") else ""

    def match_data(self) -> dict[str, Any]:
        data = dict(self.person_data, roles=list(self.roles))
        if self.territory is not None:
            data.update(territory=self.territory, territory_id=self.territory.pk)
        return data

    def fingerprint(self) -> str:
        raw = json.dumps([self.person_data, self.roles], sort_keys=True, default=str)
        return hashlib.sha256(raw.encode()).hexdigest()[:16]

    def relation_to(self, caregiver: Person) -> str:
        kind = self.cleaned_data.get("caregiver_is")
        if kind:
            return kind
        return RelationshipKind.MOTHER if caregiver.sex == Sex.FEMALE else RelationshipKind.FATHER

    def row_errors(self, label: str) -> list[str]:
        """Messages that name the row and the field, for the summary at the top of the page."""
        out = []
        for name, errors in self.errors.items():
            field = self.fields[name].label if name in self.fields else ""
            for e in errors:
                out.append(f"{label} · {field}: {e}" if field else f"{label}: {e}")
        return out


class BaseMemberFormSet(forms.BaseFormSet):
    def get_form_kwargs(self, index):
        kwargs = super().get_form_kwargs(index)
        role = RoleKind.CAREGIVER if index == 0 else RoleKind.CHILD
        kwargs["initial"] = {"role": role}
        return kwargs

    def clean(self):
        if any(self.errors):
            return
        if not any(f.has_changed() and not self._should_delete_form(f) for f in self.forms):
            raise ValidationError(_("Add at least one member of the household."))


MemberFormSet = forms.formset_factory(MemberForm, formset=BaseMemberFormSet, extra=2,
                                      can_delete=True, max_num=30, validate_max=True)


def resolve_duplicates(user, members: Sequence[MemberForm], *, exclude_ids: Iterable = ()) -> bool:
    """Ask the matcher about every valid member. True when every member with likely matches
    carries a choice ("same person" or "new person") made on the data as it is now."""
    ok = True
    linked: set[str] = set()
    for form in members:
        form.candidates = matching.find_candidates(user, form.match_data(), limit=5,
                                                   exclude_ids=tuple(exclude_ids))
        form.link_to, form.chosen = None, ""
        if not form.candidates:
            continue
        by_id = {str(c.person.pk): c.person for c in form.candidates}
        seen = form.cleaned_data.get("checked") == form.fingerprint()
        choice = form.cleaned_data.get("match") or ""
        if not seen or (choice != NEW_PERSON and choice not in by_id):
            ok = False
            if seen:
                form.add_error(None, _("Choose “same person” or “new person”."))
            continue
        form.chosen = choice
        if choice in by_id:
            if choice in linked:
                form.add_error(None, _("Two members cannot be linked to the same person."))
                ok = False
            linked.add(choice)
            form.link_to = by_id[choice]
    return ok


def save_members(actor, household: Household, members: Sequence[MemberForm], *,
                 caregivers: Iterable[Person] = ()) -> list[Person]:
    """Register or link each member (caregivers first, so children can point at them)."""
    carers = list(caregivers)
    saved = []
    for form in sorted(members, key=lambda f: f.main_role != RoleKind.CAREGIVER):
        relations = [(c, form.relation_to(c)) for c in carers] if form.main_role == RoleKind.CHILD else []
        if form.link_to is not None:
            person = actions.link_person(actor=actor, person=form.link_to, household=household,
                                         roles=form.roles, expected_delivery_date=form.edd)
            for other, kind in relations:
                actions.relate_persons(actor=actor, from_person=other, to_person=person, kind=kind)
        else:
            person = actions.register_person(actor=actor, household=household,
                                             data=form.person_data, roles=form.roles,
                                             expected_delivery_date=form.edd,
                                             relationships=relations)
        if form.main_role == RoleKind.CAREGIVER:
            carers.append(person)
        saved.append(person)
    return saved


class _MemberPage:
    """Shared state of the two pages that add members: errors and the duplicate warning."""

    user: Any
    errors: list[str]

    def member_forms(self) -> list[MemberForm]:
        """The member forms of the page (each page has its own)."""
        return []

    @property
    def needs_choice(self) -> bool:
        return any(f.candidates and not f.chosen for f in self.member_forms())

    def add_save_error(self, exc: Exception) -> None:
        if isinstance(exc, ValidationError):
            self.errors.extend(exc.messages)
        else:
            self.errors.append(str(exc) or _("You cannot change records in this territory."))


class HouseholdRegistration(_MemberPage):
    """The household registration page: household fields, members, duplicate choices."""

    prefix = "members"

    def __init__(self, user, data=None, *, quiet: bool = False):
        self.user = user
        self.quiet = quiet  # re-rendered only to add a row: don't shout about empty fields
        self.household = HouseholdForm(data, user=user)
        self.members = MemberFormSet(data, prefix=self.prefix)
        self.errors: list[str] = []

    @classmethod
    def with_extra_row(cls, user, data) -> HouseholdRegistration:
        data = data.copy()
        key = f"{cls.prefix}-TOTAL_FORMS"
        try:
            total = int(data.get(key, 0))
        except ValueError:
            total = 0
        data[key] = str(min(total + 1, 30))
        return cls(user, data, quiet=True)

    def member_forms(self) -> list[MemberForm]:
        if not self.members.is_bound:
            return []
        return [f for f in self.members.forms
                if f.has_changed() and not (hasattr(f, "cleaned_data") and f.cleaned_data.get("DELETE"))]

    def is_valid(self) -> bool:
        household_ok = self.household.is_valid()
        territory = self.household.cleaned_data.get("territory")
        for form in self.members.forms:
            form.country, form.territory = country_of(territory), territory
        members_ok = self.members.is_valid()
        clean = [f for f in self.member_forms() if not f.errors]
        matches_ok = resolve_duplicates(self.user, clean)
        return household_ok and members_ok and matches_ok and not self.errors

    def error_summary(self) -> list[str]:
        if self.quiet or not self.household.is_bound:
            return []
        out = list(self.errors)
        for name, errors in self.household.errors.items():
            field = self.household.fields[name].label if name in self.household.fields else ""
            out += [f"{_('Household')} · {field}: {e}" if field else str(e) for e in errors]
        out += list(self.members.non_form_errors())
        for i, form in enumerate(self.members.forms, start=1):
            out += form.row_errors(_("Member %(n)d") % {"n": i})
        return out

    def save(self) -> Household:
        """Create the household and all its members in one transaction, or nothing."""
        with transaction.atomic():
            household = actions.create_household(
                actor=self.user, territory=self.household.cleaned_data["territory"],
                data=self.household.household_data)
            save_members(self.user, household, self.member_forms())
        return household


class MemberAddition(_MemberPage):
    """Add one member to an existing household, with the same duplicate check."""

    def __init__(self, user, household: Household, data=None, *, caregivers: Sequence[Person] = ()):
        self.user = user
        self.household = household
        self.caregivers = list(caregivers)
        self.form = MemberForm(data, prefix="member", country=country_of(household.territory),
                               initial={"role": RoleKind.CHILD})
        self.form.territory = household.territory
        self.errors: list[str] = []

    def member_forms(self) -> list[MemberForm]:
        return [self.form] if self.form.is_bound else []

    def is_valid(self) -> bool:
        form_ok = self.form.is_valid()
        matches_ok = resolve_duplicates(self.user, [self.form]) if form_ok else True
        return form_ok and matches_ok

    def error_summary(self) -> list[str]:
        return [*self.errors, *self.form.row_errors(_("Member"))] if self.form.is_bound else []

    def save(self) -> Person:
        with transaction.atomic():
            return save_members(self.user, self.household, [self.form],
                                caregivers=self.caregivers)[0]
