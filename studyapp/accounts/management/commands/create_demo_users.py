"""`manage.py create_demo_users`: learner demo/demo and superuser admin/admin (DEBUG only)."""

from __future__ import annotations

from django.conf import settings
from django.core.management.base import BaseCommand

from studyapp.accounts.models import User

DEMO_USERS = (
    ("demo", "demo", False),
    ("admin", "admin", True),
)


class Command(BaseCommand):
    help = "Create the demo learner (demo/demo) and superuser (admin/admin); only when DEBUG is on."

    def handle(self, *args: object, **options: object) -> None:
        if not settings.DEBUG:
            self.stdout.write("DEBUG is off: no demo users are created.")
            return
        for username, password, is_admin in DEMO_USERS:
            user, created = User.objects.get_or_create(
                username=username, defaults={"is_staff": is_admin, "is_superuser": is_admin}
            )
            if created:
                user.set_password(password)
                user.save()
            state = "created" if created else "already there"
            self.stdout.write(
                f"{'Superuser' if is_admin else 'Learner'} {username}/{password}: {state}."
            )
