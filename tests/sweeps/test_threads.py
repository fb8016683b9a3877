"""CPU threads per job: explicit, a submitit allocation, or the cores shared among joblib's parallel jobs."""

import cv2
import pytest
import torch
from omegaconf import OmegaConf

from pipeline.errors import UserError
from pipeline.sweeps import threads


@pytest.fixture
def sixteen_cores(monkeypatch):
    monkeypatch.setattr(threads, "cpu_cores", lambda: 16)


@pytest.mark.parametrize(
    ("launcher", "expected"),
    [
        ({"n_jobs": 4}, 4),  # joblib: 4 jobs at once share 16 cores
        ({"n_jobs": -1}, 1),  # one job per core
        ({"n_jobs": -3}, 1),  # joblib's count: 16 + 1 - 3 = 14 jobs
        ({"n_jobs": 3}, 5),
        ({"cpus_per_task": 8}, 8),  # submitit: the job's own allocation
        ({"_target_": "hydra._internal.core_plugins.basic_launcher.BasicLauncher"}, None),  # alone
        (None, None),
    ],
)
def test_automatic_threads(sixteen_cores, launcher, expected):
    config = OmegaConf.create(launcher) if launcher is not None else None
    assert threads.job_threads(0, config) == expected


def test_an_explicit_count_wins(sixteen_cores):
    assert threads.job_threads(3, OmegaConf.create({"n_jobs": 8})) == 3


def test_negative_threads_are_refused(tiny_config):
    with pytest.raises(UserError, match="threads"):
        tiny_config("threads=-1")


def test_the_callback_sets_torch_and_opencv(monkeypatch):
    before = torch.get_num_threads(), cv2.getNumThreads()
    try:
        config = OmegaConf.create({"threads": 1, "hydra": {"launcher": {"n_jobs": 2}}})
        threads.JobThreads().on_job_start(config)
        assert torch.get_num_threads() == 1 and cv2.getNumThreads() == 1
    finally:
        torch.set_num_threads(before[0])
        cv2.setNumThreads(before[1])
