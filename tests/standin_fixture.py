"""The stand-in for tests: made once per session in the real cache ($TORCH_HOME), or skipped with the reason.

Where npm is missing or cannot fetch nsfwjs, the tests that need it skip, except where CI is set (CI must
have npm and the registry, .ci/run makes the stand-in first), so they can never quietly stop running there.
Import the fixtures into a test module: `from tests.standin_fixture import standin_file  # noqa: F401`.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from pipeline.dreamer.standin import make_standin
from pipeline.dreamer.standin_fetch import PackageUnavailable, fetch_package


def unavailable(error: Exception) -> None:
    """Skip with the reason, or fail where CI is set."""
    reason = f"no stand-in on this machine: {error}"
    if os.environ.get("CI"):
        pytest.fail(reason)
    pytest.skip(reason)


@pytest.fixture(scope="session")
def standin_file() -> Path:
    """The cached stand-in, made (about 10 s) unless it is already there."""
    try:
        return make_standin()
    except PackageUnavailable as error:
        unavailable(error)


@pytest.fixture(scope="session")
def nsfwjs_tarball(tmp_path_factory) -> Path:
    """nsfwjs-4.4.0.tgz, packed once per session (npm serves it from its own cache after the first time)."""
    try:
        return fetch_package(tmp_path_factory.mktemp("nsfwjs"))
    except PackageUnavailable as error:
        unavailable(error)
