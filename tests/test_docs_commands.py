"""Every command README.md and docs/**/*.md show composes, so none can rot; nothing is run.

The commands are the `python -m pipeline.X` lines of the pages' code (fenced blocks, and lines indented as
code), one test per page and line (tests/docs.py reads them). Each is checked as far as it can be without
running it:

- render and dream (stills): `compose_command_line` (the command line's own first step), then the
  conversion to the typed config that runs every check a setting has (`OmegaConf.to_object`: layer names,
  keyframes sampled over time, music functions without a track ...). Hydra's printing flags (`--cfg job`,
  `--cfg hydra`, `--resolve`, `--info`) change no setting and are dropped; `--help` composes as the
  command does; Hydra's own keys (`hydra/launcher=...`, `hydra.launcher.*`, `hydra.sweep.dir=...`) compose
  with the rest (the launchers are in the `test` extra).
- a sweep (`-m`) is expanded minimally, not as the product of its keys: job i takes the i-th value of every
  swept key (a key with fewer values repeats its last), so every value of a comma list composes once, in
  as many compositions as the longest list has values; a `range()` contributes its first and last value.
- `resume=RUN`: composed, then checked by `resume_config` against a stand-in run directory whose record is
  the default settings, so a resume that changes a setting a resume may not change fails here as it would
  there. `python -m pipeline.encode run_dir=RUN ...`: its arguments parsed, and the recorded video settings
  with the command's overrides resolved against the same stand-in run (presets and `video.*` keys checked).
- bench: its argument parser and `check_args` (pipeline/bench/args.py); `--video` through the real entry
  point, stopped where measuring would start, with the render overrides composed as the benchmark does;
  `--quality` and `--pictures` through their own parsers, their render overrides composed.
- weights: by its text only: the subcommand must be `standin` (the command is being written on another
  branch; import it here once it exists).
"""

from __future__ import annotations

import pytest
from hydra.core.override_parser.overrides_parser import OverridesParser
from hydra.core.override_parser.types import RangeSweep
from omegaconf import OmegaConf, open_dict

from pipeline.cli.compose import HELP_FLAGS, compose_command_line
from pipeline.errors import UserError
from tests.docs import ROOT, Command, commands_in, pages

CONFIGS = {"render": "render", "dream": "stills"}
PRINT_FLAGS = {"--cfg": 1, "-c": 1, "--package": 1, "-p": 1, "--resolve": 0}  # flag -> values it takes
INFO_TOPICS = {"all", "config", "defaults", "defaults-tree", "plugins", "searchpath"}
SWEEP_FLAGS = {"-m", "--multirun"}

ALL = [command for page in pages() for command in commands_in(page)]


def composed(config_name: str, args: list[str]):
    """The typed config `args` come to, every setting's check run; a mistake raises UserError."""
    cfg = compose_command_line(config_name, args)
    assert cfg is not None, f"{args} was not composed (a flag compose_command_line leaves to Hydra)"
    with open_dict(cfg):
        del cfg["hydra"]
    return cfg, OmegaConf.to_object(cfg)


def hydra_arguments(args: tuple[str, ...]) -> tuple[list[str], bool]:
    """The overrides (and --help) of a Hydra command line, and whether it is a sweep."""
    kept, sweep, words = [], False, list(args)
    while words:
        word = words.pop(0)
        if word in SWEEP_FLAGS:
            sweep = True
        elif word in PRINT_FLAGS:
            del words[: PRINT_FLAGS[word]]
        elif word == "--info":
            if words and words[0] in INFO_TOPICS:
                words.pop(0)
        elif word.startswith("-") and word not in HELP_FLAGS:
            pytest.fail(f"{word}: a flag this test does not know; teach hydra_arguments what it does")
        else:
            kept.append(word)
    return kept, sweep


def sweep_jobs(overrides: list[str]) -> list[list[str]]:
    """A few jobs of a sweep that between them compose every swept value (see the module's docstring)."""
    parsed = OverridesParser.create().parse_overrides(overrides)
    values = []
    for text, override in zip(overrides, parsed):
        if not override.is_sweep_override():
            values.append([text])
            continue
        swept = list(override.sweep_string_iterator())
        swept = swept[:: max(len(swept) - 1, 1)] if isinstance(override.value(), RangeSweep) else swept
        values.append([f"{override.get_key_element()}={value}" for value in swept])
    return [
        [options[min(job, len(options) - 1)] for options in values] for job in range(max(map(len, values)))
    ]


@pytest.fixture(scope="module")
def stand_in_run(tmp_path_factory):
    """A run directory as far as resume and encode read one before doing anything: the default settings."""
    run = tmp_path_factory.mktemp("run")
    (run / ".hydra").mkdir()
    cfg, _ = composed("render", [])
    (run / ".hydra" / "config.yaml").write_text(OmegaConf.to_yaml(cfg))
    return run


def check_hydra_command(command: Command, run) -> None:
    overrides, sweep = hydra_arguments(command.args)
    for job in sweep_jobs(overrides) if sweep else [overrides]:
        resume = [o for o in job if o.partition("=")[0] == "resume"]
        if resume and command.module == "render":
            job = [o for o in job if o not in resume] + [f"resume={run}"]
        cfg, _ = composed(CONFIGS[command.module], job)
        if resume and command.module == "render":
            from pipeline.run.resume import resume_config

            resume_config(run, cfg, [o for o in job if o not in HELP_FLAGS])


def check_encode(command: Command, run) -> None:
    from pipeline.encode import parse_overrides, recorded_settings

    overrides = parse_overrides(list(command.args))
    recorded_settings(run, {**overrides, "run_dir": str(run)})


class MeasuringWouldStart(Exception):
    pass


def check_bench(command: Command, monkeypatch) -> None:
    args = list(command.args)
    if "--quality" in args or "--pictures" in args:  # their own parsers; overrides composed as they run
        from pipeline.bench import pictures, quality

        mode = quality if "--quality" in args else pictures
        parsed = mode.parse_args([arg for arg in args if arg not in ("--quality", "--pictures")])
        composed("render", list(parsed.overrides))
        return
    if "--video" not in args:
        from pipeline.bench.command import parse_args

        parse_args(args)  # argparse, then check_args
        return
    import pipeline.bench.video as bench_video
    from pipeline.bench.command import main

    def measure(overrides, full_frames, reference_frames):
        composed("render", [*bench_video.DEFAULTS, *overrides])
        raise MeasuringWouldStart

    monkeypatch.setattr(bench_video, "measure", measure)
    with pytest.raises(MeasuringWouldStart):
        main(args)


def check(command: Command, run, monkeypatch) -> None:
    """Raise (UserError, SystemExit from a parser, AssertionError) if the command would not start."""
    if command.module in CONFIGS:
        check_hydra_command(command, run)
    elif command.module == "encode":
        check_encode(command, run)
    elif command.module == "bench":
        check_bench(command, monkeypatch)
    elif command.module == "weights":
        assert command.args[:1] == ("standin",), "python -m pipeline.weights has one subcommand: standin"
    else:
        pytest.fail(f"python -m pipeline.{command.module}: not a command of this project")


def test_the_pages_show_commands():
    """The extraction finds what it is looking for, so an empty parametrisation cannot pass unnoticed."""
    assert len(ALL) >= 40 and {c.module for c in ALL} >= {"render", "dream", "encode", "bench"}


@pytest.mark.parametrize("command", ALL, ids=[command.where for command in ALL])
def test_every_command_in_the_docs_composes(command, stand_in_run, monkeypatch, capsys):
    monkeypatch.chdir(ROOT)  # a relative --json folder is checked from the project root, as documented
    try:
        check(command, stand_in_run, monkeypatch)
    except UserError as mistake:
        pytest.fail(f"{command.where}: {command.text}\n    error: {mistake}")
    except SystemExit as exit_:
        if exit_.code not in (0, None):  # argparse's mistakes (0 is --help)
            error = capsys.readouterr().err.strip()
            pytest.fail(f"{command.where}: {command.text}\n    exit {exit_.code}: {error}")


def test_a_typo_in_a_page_fails_naming_its_line(tmp_path, stand_in_run, monkeypatch):
    """A page with a mistyped key: the command is found, on its line, and refused in one line."""
    (tmp_path / "docs").mkdir()
    readme = "# x\n\nText.\n\n```bash\n# a comment\npip install -e . && \\\n"
    readme += "    python -m pipeline.render frames=4 dream.octavs=3\n```\n"
    (tmp_path / "README.md").write_text(readme)
    (tmp_path / "docs" / "a.md").write_text("Indented:\n\n    python -m pipeline.dream layers=conv9_9\n")
    found = [c for page in pages(tmp_path) for c in commands_in(page, tmp_path)]
    assert [(c.where, c.module, c.args) for c in found] == [
        ("README.md:7", "render", ("frames=4", "dream.octavs=3")),
        ("docs/a.md:3", "dream", ("layers=conv9_9",)),
    ]
    with pytest.raises(UserError, match="unknown setting 'dream.octavs': did you mean dream.octaves"):
        check(found[0], stand_in_run, monkeypatch)
    with pytest.raises(UserError, match="unknown VGG19 layer 'conv9_9'"):
        check(found[1], stand_in_run, monkeypatch)


def test_a_sweep_composes_every_value_in_few_jobs():
    jobs = sweep_jobs(["layer_schedule=deep,cycle,bars", "motion=zoom,spiral", "seed=range(0,100)", "fps=30"])
    assert jobs == [
        ["layer_schedule=deep", "motion=zoom", "seed=0", "fps=30"],
        ["layer_schedule=cycle", "motion=spiral", "seed=99", "fps=30"],
        ["layer_schedule=bars", "motion=spiral", "seed=99", "fps=30"],
    ]


def test_a_resume_that_changes_a_setting_is_refused(stand_in_run, monkeypatch):
    command = Command("x.md", 1, "", "render", ("resume=outputs/a", "frames=900", "seed=3"))
    with pytest.raises(UserError, match="resume: seed differ"):
        check(command, stand_in_run, monkeypatch)
