"""Top-level URL configuration."""

from django.contrib import admin
from django.urls import include, path

from studyapp.core import views as core_views

urlpatterns = [
    path("healthz", core_views.healthz, name="healthz"),
    path("readyz", core_views.readyz, name="readyz"),
    path("favicon.ico", core_views.favicon, name="favicon"),
    path("admin/", admin.site.urls),
    path("study/", include("studyapp.study.urls")),
    path("", include("studyapp.assessments.urls")),
    path("", include("studyapp.accounts.urls")),
    path("progress/", include("studyapp.progress.urls")),
    path("interop/", include("studyapp.interop.urls")),
    path("", include("studyapp.banks.urls")),
]
