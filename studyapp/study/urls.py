from django.urls import path

from . import views

urlpatterns = [
    path("", views.study, name="study"),
    path("answer/", views.answer, name="study_answer_submit"),
    path("answers/<int:pk>/", views.answer_detail, name="study_answer"),
    path("answers/<int:pk>/rate/", views.rate, name="study_rate"),
    path("answers/<int:pk>/override/", views.override, name="study_override"),
    path("undo/", views.undo, name="study_undo"),
    path(
        "cards/<slug:slug>/<str:action>/",
        views.card_action,
        name="study_card_action",
    ),
    path("topics/<slug:slug>/add/", views.add_topic, name="study_add_topic"),
    path("topics/<slug:slug>/remove/", views.remove_topic, name="study_remove_topic"),
    path("settings/", views.settings_view, name="study_settings"),
    path("settings/optimize/", views.optimize, name="study_optimize"),
    path("practice/", views.practice, name="study_practice"),
    path("drill/", views.drill, name="study_drill"),
    path("drill/start/", views.drill_start, name="study_drill_start"),
    path("drill/reveal/", views.drill_reveal, name="study_drill_reveal"),
    path("drill/rate/", views.drill_rate, name="study_drill_rate"),
    path("drill/stop/", views.drill_stop, name="study_drill_stop"),
    path("export/revlog.csv", views.export_revlog, name="study_export_revlog"),
]
