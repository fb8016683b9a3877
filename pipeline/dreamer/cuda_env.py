"""What CUDA's libraries read once, when a process first uses the GPU, set before that happens.

cuBLAS is deterministic only with a fixed workspace (`CUBLAS_WORKSPACE_CONFIG`, CUDA docs, "Results
reproducibility"), and PyTorch sizes its cuBLAS workspace from that variable once, at its first cuBLAS
call. Setting it when a deterministic render sets up its network (as configure_backends did) is too late
in a sweep: the jobs of the default launcher share one process (a reused joblib worker too), so a first
job with `deterministic=false` has already started cuBLAS without it. So every job sets it as it starts
(pipeline/sweeps/jobs.py run_job), deterministic or not: the fixed workspace costs a non-deterministic
render nothing measurable (its convolutions are cuDNN's). A value the user set stays. No torch import:
the commands' start stays instant.
"""

from __future__ import annotations

import os

CUBLAS_WORKSPACE = ":4096:8"  # eight 4 MiB workspaces: the reproducible setting PyTorch documents


def prepare_cuda_environment() -> None:
    os.environ.setdefault("CUBLAS_WORKSPACE_CONFIG", CUBLAS_WORKSPACE)
