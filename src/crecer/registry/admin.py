"""Read-only, territory-scoped admin of the registry. Edits go through the pages and
`registry.actions` (which check policies and write the audit trail), never through the admin."""

from django.contrib import admin

from crecer.accounts.admin import ScopedAdminMixin

from .models import Household, Person, PersonRole, Relationship


@admin.register(Household)
class HouseholdAdmin(ScopedAdminMixin, admin.ModelAdmin):
    list_display = ("__str__", "territory", "area", "poverty_level", "created_at")
    list_filter = ("area", "poverty_level")
    search_fields = ("code", "address")
    list_select_related = ("territory",)
    show_full_result_count = False


@admin.register(Person)
class PersonAdmin(ScopedAdminMixin, admin.ModelAdmin):
    list_display = ("full_name", "sex", "birth_date", "territory", "household", "merged_into")
    list_filter = ("sex",)
    search_fields = ("search_name", "id_number", "phone")
    list_select_related = ("territory", "household")
    show_full_result_count = False


@admin.register(PersonRole)
class PersonRoleAdmin(ScopedAdminMixin, admin.ModelAdmin):
    scope_field = "person__territory"
    list_display = ("person", "role", "active", "expected_delivery_date")
    list_filter = ("role", "active")
    list_select_related = ("person",)
    show_full_result_count = False


@admin.register(Relationship)
class RelationshipAdmin(ScopedAdminMixin, admin.ModelAdmin):
    scope_field = "from_person__territory"
    list_display = ("from_person", "kind", "to_person")
    list_filter = ("kind",)
    list_select_related = ("from_person", "to_person")
    show_full_result_count = False
