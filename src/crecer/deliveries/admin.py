from django.contrib import admin

from crecer.accounts.models import Role

from .models import Item


def _catalogue_admin(request) -> bool:
    user = request.user
    return user.is_active and user.is_staff and (user.is_superuser or user.role == Role.ADMIN)


@admin.register(Item)
class ItemAdmin(admin.ModelAdmin):
    """The item catalogue: administrators add items and retire them (`active`); items already
    moved or delivered cannot be deleted (their rows protect them)."""

    list_display = ["code", "name", "kind", "unit", "active"]
    list_filter = ["kind", "active"]
    search_fields = ["code", "name"]

    def has_module_permission(self, request):
        return _catalogue_admin(request)

    def has_view_permission(self, request, obj=None):
        return _catalogue_admin(request)

    def has_add_permission(self, request):
        return _catalogue_admin(request)

    def has_change_permission(self, request, obj=None):
        return _catalogue_admin(request)

    def has_delete_permission(self, request, obj=None):
        return _catalogue_admin(request)
