"""A sticky CUDA error (a device-side assert, an illegal memory access) leaves the process's CUDA context
unusable until the process ends: every later CUDA call fails, with messages about the wrong thing.

Jobs of the default launcher share one process, so after one job meets such an error the later GPU jobs
are refused at once with one line that says why and how to re-run them, instead of each failing
confusingly (or, worse, hanging). A new process (a re-run, or a launcher that starts one per job) is clean.
"""

from __future__ import annotations

from pipeline.errors import UserError

# cudaErrorAssert, cudaErrorIllegalAddress, cudaErrorLaunchFailure, cudaErrorMisalignedAddress,
# cudaErrorIllegalInstruction, cudaErrorECCUncorrectable, cudaErrorLaunchTimeout as torch words them
# (CUDA Runtime API, "Error Handling": these "leave the process in an inconsistent state").
STICKY = (
    "device-side assert",
    "illegal memory access",
    "unspecified launch failure",
    "misaligned address",
    "illegal instruction",
    "uncorrectable ecc error",
    "the launch timed out",
)

_broken: list[str] = []  # per process, as the CUDA context is: the first sticky error's line


def is_sticky_cuda_error(error: BaseException) -> bool:
    text = " ".join(str(error).split()).lower()
    return any(words in text for words in STICKY)


def note_failure(error: BaseException, line: str) -> None:
    """Remember a job's failure if it broke the CUDA context for the rest of this process."""
    if is_sticky_cuda_error(error) and not _broken:
        _broken.append(line)


def check_gpu_usable(device: str) -> None:
    """Refuse a job that would use the GPU after an earlier job in this process broke its context."""
    if _broken and device != "cpu":
        raise UserError(
            f"not run: an earlier job in this process hit a CUDA error that leaves the GPU unusable until "
            f"the process ends ({_broken[0]}); re-run this job on its own (its overrides are in "
            ".hydra/overrides.yaml), or sweep with a launcher that starts a process per job "
            "(hydra/launcher=submitit_local)"
        )
