from django.contrib import admin
from django.contrib.auth.admin import UserAdmin

from .models import Invite, Membership, Team, User

admin.site.register(User, UserAdmin)


class MembershipInline(admin.TabularInline):
    model = Membership
    extra = 1
    autocomplete_fields = ["user"]


class InviteInline(admin.TabularInline):
    model = Invite
    extra = 0
    fields = ["role", "created_at", "expires_at", "revoked_at", "max_uses", "use_count"]
    readonly_fields = ["created_at", "use_count"]
    can_delete = False

    def has_add_permission(self, request, obj=None) -> bool:  # noqa: ANN001
        return False  # links are made on the team page, which shows them to copy


@admin.register(Team)
class TeamAdmin(admin.ModelAdmin):
    list_display = ["name", "created_at"]
    search_fields = ["name"]
    inlines = [MembershipInline, InviteInline]


@admin.register(Membership)
class MembershipAdmin(admin.ModelAdmin):
    list_display = ["team", "user", "role", "joined_at"]
    list_filter = ["role"]
    search_fields = ["team__name", "user__username"]
    autocomplete_fields = ["team", "user"]
