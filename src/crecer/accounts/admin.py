"""Django admin (/django-admin/, staff only) for users and API tokens, and the mixin that every
admin over personal data uses so that the admin goes through the same scope as the pages."""

from __future__ import annotations

from django.contrib import admin
from django.contrib.auth.admin import UserAdmin
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from crecer.territory.models import OrgUnit
from crecer.territory.queries import subtree_q

from . import policies, scope
from .models import ApiToken, User


class ScopedAdminMixin:
    """Read-only admin over personal data, limited to the user's subtrees.

    Rows are filtered with `scope.within(request.user, scope_field)` (superusers included: the
    admin is no way around the territory scope), viewing needs `view_policy`, and nothing can be
    added, changed or deleted here: edits go through the pages and `actions`, which audit them.
    """

    scope_field = "territory"
    view_policy = staticmethod(policies.can_view_registry)

    def get_queryset(self, request):
        return super().get_queryset(request).filter(scope.within(request.user, self.scope_field))

    def has_module_permission(self, request):
        return self.view_policy(request.user)

    def has_view_permission(self, request, obj=None):
        return self.view_policy(request.user)

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


def _visible_users(request):
    """Users a (non-superuser) administrator may manage: not superusers, and with every
    assigned territory inside the administrator's subtrees (or none yet)."""
    qs = User.objects.all()
    if request.user.is_superuser:
        return qs
    outside = OrgUnit.objects.exclude(subtree_q(scope.root_paths(request.user)))
    return qs.exclude(is_superuser=True).exclude(territories__in=outside).distinct()


@admin.register(User)
class CrecerUserAdmin(UserAdmin):
    fieldsets = (*UserAdmin.fieldsets,
                 (_("Crecer"), {"fields": ("role", "territories", "preferred_language")}))
    add_fieldsets = (*UserAdmin.add_fieldsets,
                     (_("Crecer"), {"fields": ("role", "territories")}))
    list_display = ("username", "first_name", "last_name", "role", "is_staff", "is_active")
    list_filter = ("role", "is_staff", "is_active")
    autocomplete_fields = ("territories",)

    def get_queryset(self, request):
        return _visible_users(request).prefetch_related("territories")

    def get_readonly_fields(self, request, obj=None):
        if request.user.is_superuser:
            return ()
        return ("is_superuser", "groups", "user_permissions", "last_login", "date_joined")

    def formfield_for_manytomany(self, db_field, request, **kwargs):
        if db_field.name == "territories" and not request.user.is_superuser:
            kwargs["queryset"] = scope.units_for(request.user)
        return super().formfield_for_manytomany(db_field, request, **kwargs)

    def has_module_permission(self, request):
        return policies.can_manage_users(request.user)

    def has_view_permission(self, request, obj=None):
        return policies.can_manage_users(request.user)

    def has_add_permission(self, request):
        return policies.can_manage_users(request.user)

    def has_change_permission(self, request, obj=None):
        return policies.can_manage_users(request.user)

    def has_delete_permission(self, request, obj=None):
        return request.user.is_superuser


@admin.register(ApiToken)
class ApiTokenAdmin(admin.ModelAdmin):
    """Read-only: shows the token's prefix, never its hash. Tokens are made with
    `crecer token create` and shown once."""

    list_display = ("prefix_shown", "user", "name", "created_at", "last_used_at", "revoked")
    list_filter = ("revoked",)
    search_fields = ("user__username", "name", "prefix")
    fields = ("prefix_shown", "user", "name", "created_at", "last_used_at", "revoked")
    readonly_fields = fields
    list_select_related = ("user",)

    @admin.display(description=_("token"))
    def prefix_shown(self, obj):
        return f"{obj.prefix}…"

    def get_queryset(self, request):
        qs = super().get_queryset(request)
        if request.user.is_superuser:
            return qs
        return qs.filter(Q(user__in=_visible_users(request)))

    def has_module_permission(self, request):
        return policies.can_manage_users(request.user)

    def has_view_permission(self, request, obj=None):
        return policies.can_manage_users(request.user)

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
