"""Make pipeline's SLURM launcher known to Hydra however the project is installed.

Hydra finds launchers by walking its `hydra_plugins` namespace package with pkgutil, which cannot look
inside the import hook that `pip install -e` sets up (setuptools' editable finder): there
`hydra/launcher=slurm` would fail with "Unknown plugin class". A Hydra callback registers the class by
hand, once a sweep starts and before Hydra instantiates its launcher (registered in
pipeline/conf/render.yaml and stills.yaml; it imports nothing heavy, as no callback may).
"""

from __future__ import annotations

import importlib

from hydra.core.plugins import Plugins
from hydra.experimental.callback import Callback
from omegaconf import DictConfig, OmegaConf

OURS = "hydra_plugins.pipeline_launcher."


class RegisterLauncher(Callback):
    def on_multirun_start(self, config: DictConfig, **kwargs) -> None:
        target = str(OmegaConf.select(config, "hydra.launcher._target_", default=""))
        if not target.startswith(OURS):
            return
        module, _, name = target.rpartition(".")
        launcher = getattr(importlib.import_module(module), name, None)
        if launcher is not None:  # None: hydra-submitit-launcher is missing, and Hydra says so
            Plugins.instance().register(launcher)
