from django.urls import path

from . import views

urlpatterns = [
    path("topics/<slug:slug>.apkg", views.topic_apkg, name="topic_apkg"),
    path("topics/<slug:slug>.gift", views.topic_gift, name="topic_gift"),
]
