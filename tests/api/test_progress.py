"""Bars that fit where the API runs: the loop draws with the tqdm class chosen for its context (the console's
when none is), quiet draws nothing, and a dream's bar counts the steps the dreamer asks about."""

from tqdm import tqdm
from tqdm.auto import tqdm as auto_tqdm

from pipeline.api.progress import bar_class, step_bar
from pipeline.run.loop import BAR_CLASS, progress_bar


def test_the_loop_draws_with_the_class_chosen_for_its_context_else_the_consoles(capsys):
    made = []

    class Recording(tqdm):
        def __init__(self, *args, **kwargs):
            super().__init__(*args, **kwargs)
            made.append(self)

    token = BAR_CLASS.set(Recording)
    try:
        with progress_bar(0, 2) as progress:
            progress(0, "first")
    finally:
        BAR_CLASS.reset(token)
    assert len(made) == 1 and made[0].n == 1 and made[0].total == 2
    with progress_bar(0, 1) as progress:
        progress(0, "alone")
    assert len(made) == 1 and "dreaming" in capsys.readouterr().err  # unset again: the console's bar


def test_auto_picks_for_the_place_and_quiet_draws_nothing(capsys):
    assert bar_class(quiet=False) is auto_tqdm
    silent = bar_class(quiet=True)(total=3, desc="hidden")
    silent.update(3)
    silent.close()
    assert silent.disable and "hidden" not in capsys.readouterr().err


def test_a_dreams_bar_counts_each_step_and_never_stops_it():
    with step_bar(4, "conv4_2", quiet=True) as tick:
        assert [tick() for _ in range(4)] == [False] * 4
