"""What SLURM says about a sweep's jobs, asked with its own commands: squeue while they wait or run, and
sacct (or scontrol, on a cluster without accounting) once one has ended without leaving a result.

squeue answers from slurmctld, with or without accounting, so it is what tells a waiting sweep that a job
has ended: sacct alone (all submitit asks) fails without slurmdbd, and a job that died then looked
unfinished forever.
"""

from __future__ import annotations

import os
import subprocess
from dataclasses import dataclass

TIMEOUT_S = 60  # for one squeue/sacct/scontrol call: a busy controller can be slow, never this slow
# Pending reasons that waiting does not cure: the request is larger than the partition allows.
NEVER = ("PartitionConfig", "PartitionNodeLimit", "PartitionTimeLimit", "BadConstraints")


@dataclass
class Queued:
    state: str  # PENDING, RUNNING, COMPLETING, REQUEUED...
    reason: str  # why it is pending (squeue's %r); "None" while running


def queued() -> dict[str, Queued] | None:
    """This user's jobs that SLURM still lists, by id ("1234_5" for an array task), one line per array
    task; None if squeue could not answer (the caller asks again later)."""
    command = ["squeue", "--noheader", "--array", f"--user={os.getuid()}", "--format=%i|%T|%r"]
    try:
        result = subprocess.run(command, capture_output=True, text=True, timeout=TIMEOUT_S)
    except (OSError, subprocess.TimeoutExpired):
        return None
    if result.returncode != 0:
        return None
    listed = {}
    for line in result.stdout.splitlines():
        job_id, _, rest = line.strip().partition("|")
        state, _, reason = rest.partition("|")
        if job_id:
            listed[job_id] = Queued(state, reason)
    return listed


def pending_note(reason: str) -> str:
    """What a pending reason means for the user, if waiting will not help (or a requeue explains it)."""
    if reason in NEVER or reason.startswith(("QOSMax", "AssocMax")):
        return (
            ": it cannot start as asked; lower hydra.launcher.cpus_per_task, mem_gb or timeout_min, "
            "or choose another hydra.launcher.partition (sinfo -s lists them)"
        )
    if reason == "BeginTime":
        return " (a requeued job waits a little before it may start again)"
    return ""


def final_state(job_id: str) -> str:
    """How SLURM saw an ended job, in a few words ("FAILED, exit code 0:9"): from sacct where there is
    accounting, else from scontrol (which remembers a job for MinJobAge, 5 minutes by default)."""
    accounted = _run(
        ["sacct", "--noheader", "--parsable2", "--allocations", f"--jobs={job_id}", "--format=State,ExitCode"]
    )
    lines = [line for line in (accounted or "").splitlines() if line.strip()]
    if lines:
        state, _, code = lines[-1].partition("|")
        return f"{state.strip()}, exit code {code.strip()}"
    shown = _run(["scontrol", "--oneliner", "show", "job", job_id])
    fields = dict(item.partition("=")[::2] for item in (shown or "").split() if "=" in item)
    if "JobState" in fields:
        return (
            f"{fields['JobState']} ({fields.get('Reason', 'None')}), exit code {fields.get('ExitCode', '?')}"
        )
    return "no longer known to SLURM"


def _run(command: list[str]) -> str | None:
    try:
        result = subprocess.run(command, capture_output=True, text=True, timeout=TIMEOUT_S)
    except (OSError, subprocess.TimeoutExpired):
        return None
    return result.stdout if result.returncode == 0 else None
