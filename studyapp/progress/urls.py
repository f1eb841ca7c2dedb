from django.urls import path

from . import views

urlpatterns = [
    path("", views.progress, name="progress"),
    path("interview/plan/", views.interview_plan_queue, name="progress_interview_plan"),
]
