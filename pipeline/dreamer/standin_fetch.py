"""Fetch nsfwjs 4.4.0 with `npm pack` and read its InceptionV3 out of the tarball, running none of it.

`npm pack` only downloads the package's tarball (scripts off); tarfile reads the model's files from it
in memory, and standin_convert turns them into a state dict. npm missing, or npm failing (offline, registry
down), is `PackageUnavailable`, so tests can tell the machine's problem from a conversion's.
"""

from __future__ import annotations

import shutil
import subprocess
import tarfile
import zlib
from pathlib import Path

import torch

from pipeline.dreamer.standin_convert import convert
from pipeline.errors import UserError, one_line

PACKAGE = "nsfwjs@4.4.0"
MODEL_DIR = "package/dist/models/inception_v3/"
NPM_TIMEOUT = 300  # seconds for `npm pack` (25 MB)
MAKE = "python -m pipeline.weights standin"


class PackageUnavailable(UserError):
    """npm is missing or could not fetch the package: the machine's problem, not the conversion's."""


def fetch_package(folder: Path) -> Path:
    """`npm pack nsfwjs@4.4.0` into `folder`: the package's tarball, without installing or running it."""
    npm = shutil.which("npm")
    if npm is None:
        raise PackageUnavailable("npm is not installed: apt-get install npm (or install Node.js)")
    try:
        command = [npm, "pack", PACKAGE, "--ignore-scripts"]  # fetch only: no package script ever runs
        done = subprocess.run(command, cwd=folder, capture_output=True, text=True, timeout=NPM_TIMEOUT)
    except subprocess.TimeoutExpired:
        raise PackageUnavailable(
            f"npm pack {PACKAGE} took over {NPM_TIMEOUT} s; is the registry reachable?"
        ) from None
    tarballs = sorted(folder.glob("*.tgz"))
    if done.returncode != 0 or len(tarballs) != 1:
        raise PackageUnavailable(f"npm pack {PACKAGE} failed: {npm_complaint(done.stderr or done.stdout)}")
    return tarballs[0]


def npm_complaint(output: str) -> str:
    """npm's most specific line: its first error line after the code/syscall/errno header (npm's last line
    only points at a log file); otherwise the output's last line."""
    for line in output.splitlines():
        if line.startswith(("npm error", "npm ERR!")):
            text = line.removeprefix("npm error").removeprefix("npm ERR!").strip()
            if text and not text.startswith(("code ", "syscall ", "errno ", "A complete log")):
                return text
    return one_line(output, last=True)


def convert_package(tarball: Path) -> dict[str, torch.Tensor]:
    """The stand-in's state dict (Inception3's keys without fc, nsfwjs's head under `nsfwjs_head.*`)."""
    try:
        with tarfile.open(tarball, "r:gz") as tar:

            def read(name: str) -> str:
                member = tar.extractfile(MODEL_DIR + name)
                if member is None:
                    raise KeyError(name)
                return member.read().decode("utf-8")

            return convert(read)
    except (tarfile.TarError, OSError, EOFError, zlib.error, KeyError, UnicodeDecodeError) as error:
        raise UserError(
            f"{tarball.name} is not a readable nsfwjs package ({one_line(error)}); run {MAKE} --force"
        ) from None
