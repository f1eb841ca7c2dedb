from django.contrib.auth import views as auth_views
from django.urls import path

from . import views

urlpatterns = [
    # Accounts: Django's views with our templates (never the admin's "Django administration").
    path("accounts/login/", auth_views.LoginView.as_view(), name="login"),
    path("accounts/logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("accounts/signup/", views.signup, name="signup"),
    path("accounts/", views.account, name="account"),
    path("accounts/password/", views.PasswordChangeView.as_view(), name="password_change"),
    path("accounts/password/reset/", views.PasswordResetView.as_view(), name="password_reset"),
    path(
        "accounts/password/reset/sent/",
        views.PasswordResetDoneView.as_view(),
        name="password_reset_done",
    ),
    path(
        "accounts/reset/<uidb64>/<token>/",
        views.PasswordResetConfirmView.as_view(),
        name="password_reset_confirm",
    ),
    path(
        "accounts/reset/done/",
        views.PasswordResetCompleteView.as_view(),
        name="password_reset_complete",
    ),
    # Teams (the team page itself, /teams/<pk>/, is composed by the assessments app).
    path("teams/", views.team_list, name="team_list"),
    path("teams/new/", views.team_create, name="team_create"),
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
    path(
        "teams/<int:pk>/members/<int:membership_pk>/reset-link/",
        views.member_reset_link,
        name="team_member_reset_link",
    ),
    path("invites/<str:token>/", views.invite_accept, name="invite_accept"),
]
