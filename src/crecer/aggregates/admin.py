"""The admin edits data elements (configuration). Values and approvals have no admin: they
change only through `actions` (scope, validation, audit) on the aggregate pages."""

from django.contrib import admin

from .models import DataElement


@admin.register(DataElement)
class DataElementAdmin(admin.ModelAdmin):
    list_display = ("code", "name", "name_es", "group", "value_type", "period_type", "level_code",
                    "active")
    list_filter = ("group", "period_type", "value_type", "active")
    search_fields = ("code", "name", "name_es")
