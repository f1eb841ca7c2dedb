"""Fixtures of the study tests: a learner and their study settings."""

from __future__ import annotations

import pytest

from studyapp.study import selectors
from tests.factories import UserFactory


@pytest.fixture
def user():
    return UserFactory()


@pytest.fixture
def settings_of(user):
    """The learner's settings as study reads them (created with the defaults)."""
    return selectors.study_settings(user)
