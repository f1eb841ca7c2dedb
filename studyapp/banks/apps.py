from django.apps import AppConfig


class BanksConfig(AppConfig):
    name = "studyapp.banks"
    label = "banks"
