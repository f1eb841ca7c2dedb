from django.urls import path  # noqa: F401 - filled in as views arrive

urlpatterns: list = []
