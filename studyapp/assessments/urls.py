from django.urls import path

from . import views

urlpatterns = [
    # The team page lists the team's assessments, so it is composed here (see views.team_detail).
    path("teams/<int:pk>/", views.team_detail, name="team_detail"),
    path("assessments/", views.assessment_list, name="assessment_list"),
    path("assessments/new/", views.assessment_create, name="assessment_create"),
    path("assessments/<int:pk>/", views.assessment_detail, name="assessment_detail"),
    path("assessments/<int:pk>/start/", views.assessment_start, name="assessment_start"),
    path("assessments/<int:pk>/manage/", views.assessment_manage, name="assessment_manage"),
    path(
        "assessments/<int:pk>/items/question/",
        views.item_add_question,
        name="assessment_item_add_question",
    ),
    path(
        "assessments/<int:pk>/items/random/",
        views.item_add_random,
        name="assessment_item_add_random",
    ),
    path("assessments/<int:pk>/items/draw/", views.item_add_draw, name="assessment_item_add_draw"),
    path(
        "assessments/<int:pk>/items/<int:item_pk>/move/",
        views.item_move,
        name="assessment_item_move",
    ),
    path(
        "assessments/<int:pk>/items/<int:item_pk>/remove/",
        views.item_remove,
        name="assessment_item_remove",
    ),
    path("assessments/<int:pk>/publish/", views.assessment_publish, name="assessment_publish"),
    path("assessments/<int:pk>/delete/", views.assessment_delete, name="assessment_delete"),
    path("assessments/<int:pk>/preview/", views.assessment_preview, name="assessment_preview"),
    path("assessments/<int:pk>/report/", views.assessment_report, name="assessment_report"),
    path(
        "assessments/<int:pk>/report/members.csv",
        views.report_members_csv,
        name="assessment_report_members_csv",
    ),
    path(
        "assessments/<int:pk>/report/questions.csv",
        views.report_questions_csv,
        name="assessment_report_questions_csv",
    ),
    path(
        "assessments/<int:pk>/readiness/review/",
        views.readiness_review_topic,
        name="assessment_readiness_review",
    ),
    path("assessments/teams/<int:pk>/readiness/", views.team_readiness, name="team_readiness"),
    path("assessments/attempts/<int:pk>/", views.attempt_detail, name="attempt_detail"),
    path("assessments/attempts/<int:pk>/save/", views.attempt_save, name="attempt_save"),
    path(
        "assessments/attempts/<int:pk>/questions/<int:position>/",
        views.attempt_save_question,
        name="attempt_save_question",
    ),
    path("assessments/attempts/<int:pk>/submit/", views.attempt_submit, name="attempt_submit"),
    path(
        "assessments/attempts/<int:pk>/questions/<int:position>/regrade/",
        views.attempt_regrade,
        name="attempt_regrade",
    ),
]
