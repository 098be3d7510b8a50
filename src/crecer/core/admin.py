"""The audit trail in the Django admin: read-only (no add, change or delete for anybody) and
limited, like the audit pages, to events recorded in the viewer's subtrees."""

from django.contrib import admin

from crecer.accounts import policies
from crecer.accounts.admin import ScopedAdminMixin

from .models import AuditEvent
from .queries import audit_events_for


@admin.register(AuditEvent)
class AuditEventAdmin(ScopedAdminMixin, admin.ModelAdmin):
    view_policy = staticmethod(policies.can_view_audit)
    list_display = ("at", "actor_username", "action", "entity", "object_id", "person_id",
                    "territory_path")
    list_filter = ("action", "entity")
    search_fields = ("actor_username", "object_id")
    show_full_result_count = False

    def get_queryset(self, request):
        return audit_events_for(request.user)

    def get_actions(self, request):
        return {}
