"""Who uses Kubeprep."""

from __future__ import annotations

from django.contrib.auth.models import AbstractUser


class User(AbstractUser):
    """A learner, a team lead or an admin: one account, roles come from teams and is_staff."""

    def __str__(self) -> str:
        return self.get_username()
