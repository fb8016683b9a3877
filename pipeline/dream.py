"""The stills command: dream one image once per layer, with the video's dreamer, and compare them in a grid.

`python -m pipeline.dream input=photo.jpg layers=[conv3_2,conv4_2,conv5_1]` writes <layer>.png for each
layer and grid.jpg (the input, then each layer, captioned) into the run directory; `layers=all` dreams
every layer of the network (VGG19's 16 conv layers; `model=googlenet layers=[inception4c,inception4d]`
dreams two of GoogLeNet's). Settings share the video's schemas (model, dream, device, precision, seed):
see StillsConfig in pipeline/config.py. The work itself is pipeline/run/stills.py.
"""

from __future__ import annotations

import logging
import sys
from pathlib import Path

import hydra
from hydra.core.hydra_config import HydraConfig
from omegaconf import DictConfig, OmegaConf

from pipeline.config import CONF_DIR, register_configs
from pipeline.sweeps.gpu_health import check_gpu_usable
from pipeline.sweeps.jobs import run_job

log = logging.getLogger(__name__)


register_configs()


@hydra.main(version_base="1.3", config_path=str(CONF_DIR), config_name="stills")
def main(cfg: DictConfig) -> None:
    """Hydra entry point: validate the config, dream the stills into Hydra's run (or job) directory."""
    out_dir = Path(HydraConfig.get().runtime.output_dir)
    run_job(lambda: _stills_or_stop(cfg, out_dir), out_dir, log)


def _stills_or_stop(cfg: DictConfig, out_dir: Path) -> None:
    try:
        check_gpu_usable(cfg.device)  # after a sticky CUDA error in an earlier job of this sweep
        from pipeline.run.stills import dream_stills  # torch loads here: --help and typos stay instant

        dream_stills(OmegaConf.to_object(cfg), out_dir)
    except KeyboardInterrupt:
        print(f"interrupted: the stills written so far are in {out_dir}", file=sys.stderr)
        sys.exit(130)


if __name__ == "__main__":
    from pipeline.cli.compose import compose_command_line
    from pipeline.errors import UserError, report

    try:
        compose_command_line("stills", sys.argv[1:])  # a mistake: one line, exit 2
    except UserError as mistake:
        report(mistake)
    main()
