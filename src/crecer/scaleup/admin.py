"""Phase models are configuration: an administrator edits them here (the shipped presets load
with `crecer scaleup load-models`). A model saved here becomes origin "admin" and is kept by
later loads unless --overwrite. Criteria are checked on save (`GateCriterion.clean`): the
indicator must be in the catalogue and the comparison one of >=, <=, >, <, =.
Territory phases and decisions are read only here: they change through decisions only."""

from __future__ import annotations

from django.contrib import admin

from .models import GateCriterion, Phase, PhaseDecision, PhaseModel, TerritoryPhase


class PhaseInline(admin.TabularInline):
    model = Phase
    extra = 0
    fields = ("position", "code", "name", "name_en", "government_share", "ends_month_min",
              "ends_month_max")
    show_change_link = True


class CriterionInline(admin.TabularInline):
    model = GateCriterion
    extra = 0
    fields = ("position", "indicator", "comparison", "threshold", "note", "note_en")


@admin.register(PhaseModel)
class PhaseModelAdmin(admin.ModelAdmin):
    list_display = ("code", "name", "levels", "active", "origin")
    inlines = [PhaseInline]
    readonly_fields = ("origin",)

    def save_model(self, request, obj, form, change):
        obj.origin = "admin"
        super().save_model(request, obj, form, change)


@admin.register(Phase)
class PhaseAdmin(admin.ModelAdmin):
    list_display = ("model", "position", "code", "name", "government_share")
    list_filter = ("model",)
    inlines = [CriterionInline]

    def save_model(self, request, obj, form, change):
        super().save_model(request, obj, form, change)
        PhaseModel.objects.filter(pk=obj.model_id).update(origin="admin")


class ReadOnlyAdmin(admin.ModelAdmin):
    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(TerritoryPhase)
class TerritoryPhaseAdmin(ReadOnlyAdmin):
    list_display = ("unit", "model", "phase", "since", "until")
    list_filter = ("model", "phase")


@admin.register(PhaseDecision)
class PhaseDecisionAdmin(ReadOnlyAdmin):
    list_display = ("unit", "model", "decision", "from_phase", "to_phase", "decided_by_name",
                    "decided_at")
    list_filter = ("model", "decision")
