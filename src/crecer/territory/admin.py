"""Admin of the tree, its levels and population estimates. Superusers see every unit; territory
managers (`policies.can_manage_territory`) see and edit their subtrees. Creating and moving units
goes through `actions`, which keep paths right with set-based updates."""

from __future__ import annotations

from django import forms
from django.contrib import admin
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from crecer.accounts import policies, scope

from . import actions
from .io.geojson import GeometryError, validate_geometry
from .models import AGE_BANDS, Level, OrgUnit, PopulationEstimate
from .queries import subtree_q


class TerritoryPermissions:
    def _allowed(self, request) -> bool:
        return request.user.is_superuser or policies.can_manage_territory(request.user)

    def has_module_permission(self, request):
        return self._allowed(request)

    def has_view_permission(self, request, obj=None):
        return self._allowed(request)

    def has_add_permission(self, request, obj=None):
        return self._allowed(request)

    def has_change_permission(self, request, obj=None):
        return self._allowed(request)

    def has_delete_permission(self, request, obj=None):
        return request.user.is_superuser


@admin.register(Level)
class LevelAdmin(TerritoryPermissions, admin.ModelAdmin):
    list_display = ("depth", "code", "name")


class OrgUnitForm(forms.ModelForm):
    class Meta:
        model = OrgUnit
        fields = ["code", "name", "parent", "kind", "sector", "latitude", "longitude", "boundary"]

    def clean_boundary(self):
        value = self.cleaned_data.get("boundary")
        if value in (None, "", {}):
            return None
        try:
            return validate_geometry(value, allowed=("Polygon", "MultiPolygon"))
        except GeometryError as exc:
            raise ValidationError(str(exc)) from exc

    def clean(self):
        data = super().clean()
        parent = data.get("parent")
        if self.instance.pk and parent and parent.path.startswith(self.instance.path):
            self.add_error("parent", _("A unit cannot move under itself or its own subtree."))
        if data.get("kind") == "service_point" and not data.get("sector"):
            self.add_error("sector", _("A service point needs a sector."))
        lat, lon = data.get("latitude"), data.get("longitude")
        if (lat is None) != (lon is None):
            self.add_error("longitude" if lon is None else "latitude",
                           _("Give both latitude and longitude, or neither."))
        if lat is not None and not -90 <= lat <= 90:
            self.add_error("latitude", _("The latitude must be between −90 and 90."))
        if lon is not None and not -180 <= lon <= 180:
            self.add_error("longitude", _("The longitude must be between −180 and 180."))
        return data


@admin.register(OrgUnit)
class OrgUnitAdmin(TerritoryPermissions, admin.ModelAdmin):
    form = OrgUnitForm
    list_display = ("code", "name", "depth", "kind", "sector")
    list_filter = ("kind", "sector", "depth")
    search_fields = ("code", "name")
    autocomplete_fields = ("parent",)
    readonly_fields = ("depth", "path")
    show_full_result_count = False

    def get_queryset(self, request):
        qs = super().get_queryset(request)
        return qs if request.user.is_superuser else qs.filter(
            subtree_q(scope.root_paths(request.user)))

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        if db_field.name == "parent" and not request.user.is_superuser:
            kwargs["queryset"] = scope.units_for(request.user)
            kwargs["required"] = True
        return super().formfield_for_foreignkey(db_field, request, **kwargs)

    def save_model(self, request, obj, form, change):
        actor = None if request.user.is_superuser else request.user
        fields = {k: getattr(obj, k) for k in ("kind", "sector", "latitude", "longitude",
                                                "boundary")}
        if not change:
            unit = actions.create_unit(code=obj.code, name=obj.name, parent=obj.parent,
                                       actor=actor, **fields)
            obj.pk, obj.path, obj.depth = unit.pk, unit.path, unit.depth
            obj._state.adding = False
            return
        current = OrgUnit.objects.get(pk=obj.pk)
        if current.parent_id != obj.parent_id:
            actions.move_unit(unit=current, new_parent=obj.parent, actor=actor)
        else:
            actions.check_can_manage(actor, current)
        obj.path, obj.depth = current.path, current.depth
        obj.save(update_fields=["code", "name", *fields])


class PopulationEstimateForm(forms.ModelForm):
    age_band = forms.ChoiceField(choices=[(b, b) for b in AGE_BANDS], label=_("age band"))

    class Meta:
        model = PopulationEstimate
        fields = ["unit", "year", "sex", "age_band", "value"]


@admin.register(PopulationEstimate)
class PopulationEstimateAdmin(TerritoryPermissions, admin.ModelAdmin):
    form = PopulationEstimateForm
    list_display = ("unit", "year", "sex", "age_band", "value")
    list_filter = ("year", "sex", "age_band")
    search_fields = ("unit__code", "unit__name")
    autocomplete_fields = ("unit",)
    list_select_related = ("unit",)
    show_full_result_count = False

    def get_queryset(self, request):
        qs = super().get_queryset(request)
        return qs if request.user.is_superuser else qs.filter(
            scope.within(request.user, "unit"))

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        if db_field.name == "unit" and not request.user.is_superuser:
            kwargs["queryset"] = scope.units_for(request.user)
        return super().formfield_for_foreignkey(db_field, request, **kwargs)
