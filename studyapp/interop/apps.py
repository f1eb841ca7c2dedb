from django.apps import AppConfig


class InteropConfig(AppConfig):
    name = "studyapp.interop"
    label = "interop"
