from django.apps import AppConfig


class AssessmentsConfig(AppConfig):
    name = "studyapp.assessments"
    label = "assessments"
