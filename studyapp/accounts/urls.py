from django.urls import path

from . import views

urlpatterns = [
    path("teams/", views.team_list, name="team_list"),
    path("teams/new/", views.team_create, name="team_create"),
    path("teams/<int:pk>/", views.team_detail, name="team_detail"),
    path("teams/<int:pk>/invites/", views.invite_create, name="team_invite_create"),
    path(
        "teams/<int:pk>/invites/<int:invite_pk>/revoke/",
        views.invite_revoke,
        name="team_invite_revoke",
    ),
    path(
        "teams/<int:pk>/members/<int:membership_pk>/remove/",
        views.member_remove,
        name="team_member_remove",
    ),
    path("invites/<str:token>/", views.invite_accept, name="invite_accept"),
]
