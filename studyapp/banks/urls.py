from django.urls import path

from . import views

urlpatterns = [
    path("", views.home, name="home"),
    path("topics/<slug:slug>/", views.topic_detail, name="topic_detail"),
    path("snippets/", views.snippet_list, name="snippet_list"),
    path("snippets/<slug:slug>.yaml", views.snippet_raw, name="snippet_raw"),
    path("snippets/<slug:slug>/", views.snippet_detail, name="snippet_detail"),
]
