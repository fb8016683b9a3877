"""A real one-node SLURM for the sweep tests: munge, MariaDB + slurmdbd, slurmctld and slurmd, all state in
one temporary folder, every daemon stopped by its pid file at the end.

The sweep path (hydra/launcher=slurm) can only be trusted against the real daemons: what sbatch refuses,
what scancel signals, what sacct reports. Debian 12's slurm-wlm 22.05 installs with apt as root (CI has
both); elsewhere the tests skip with one line, and fail instead where CI or PIPELINE_REQUIRE_SLURM is set,
so they never quietly stop running there."""

from __future__ import annotations

import contextlib
import os
import pwd
import re
import shutil
import signal
import socket
import subprocess
import tempfile
import time
from pathlib import Path

import pytest

PACKAGES = ["slurmctld", "slurmd", "slurm-client", "munge", "slurmdbd", "mariadb-server"]
PROGRAMS = ["slurmctld", "slurmd", "slurmdbd", "sbatch", "squeue", "sacct", "munged", "mariadbd"]
MUNGE_SOCKET = Path("/run/munge/munge.socket.2")  # slurmctld reaches slurmdbd through munge's default socket
PARTITION = "debug"
# A requeued job waits this long before it may start again (SLURM's default: 120 s); it is also how long
# a job step's credential lives, so it cannot be very short.
CRED_EXPIRE = 10
# How often the backfill scheduler looks at the queue (default 30 s): what starts a requeued job once
# its wait is over, when nothing else happens on the cluster.
BACKFILL_EVERY = 2
START_TIMEOUT = 60  # seconds for the daemons to come up and the node to be idle


def require_slurm() -> None:
    """Install the Debian packages if they are missing and this is root with apt; else skip (or fail in
    CI) with one line."""
    missing = [name for name in PROGRAMS if shutil.which(name) is None]
    if missing and os.geteuid() == 0 and shutil.which("apt-get"):
        _apt_install()
        missing = [name for name in PROGRAMS if shutil.which(name) is None]
    if missing:
        _unavailable(
            f"no SLURM here: missing {', '.join(missing)}; as root: apt-get install {' '.join(PACKAGES)}"
        )
    if os.geteuid() != 0:
        _unavailable("the SLURM tests start munged, slurmd and MariaDB as their own users: run them as root")


def _unavailable(reason: str) -> None:
    if os.environ.get("CI") or os.environ.get("PIPELINE_REQUIRE_SLURM"):
        pytest.fail(reason)
    pytest.skip(reason)


def _apt_install() -> None:
    env = {**os.environ, "DEBIAN_FRONTEND": "noninteractive"}
    install = ["apt-get", "install", "-y", "-qq", "--no-install-recommends", *PACKAGES]
    if subprocess.run(install, env=env, capture_output=True, timeout=600).returncode != 0:
        subprocess.run(["apt-get", "update", "-qq"], env=env, capture_output=True, timeout=600)
        subprocess.run(install, env=env, capture_output=True, timeout=600)


class Cluster:
    """The running daemons: `env` (SLURM_CONF) for every client command and sweep, `command` to run one."""

    def __init__(self, root: Path):
        self.root = root
        self.conf = root / "slurm.conf"
        self.env = {**os.environ, "SLURM_CONF": str(self.conf)}
        self.pid_files: list[Path] = []  # in start order; stopped in reverse
        self.proctrack = "proctrack/cgroup"  # what slurmd tracks a job's processes with

    def command(self, *args: str, timeout: float = 30, check: bool = True) -> str:
        """A client command (squeue, scancel, sacct...) against this cluster; its stdout."""
        result = subprocess.run(args, env=self.env, capture_output=True, text=True, timeout=timeout)
        if check and result.returncode != 0:
            raise AssertionError(f"{' '.join(args)} failed ({result.returncode}): {result.stderr.strip()}")
        return result.stdout

    def jobs(self) -> list[str]:
        """Ids of the jobs still queued or running."""
        return self.command("squeue", "-h", "-o", "%i", check=False).split()

    def stop(self) -> None:
        """Cancel what is left, then stop every daemon this cluster started, by its pid file."""
        with contextlib.suppress(Exception):
            for job in self.jobs():
                self.command("scancel", "--full", "--signal=KILL", job, check=False)
            deadline = time.monotonic() + 15
            while self.jobs() and time.monotonic() < deadline:
                time.sleep(0.2)
        for pid_file in reversed(self.pid_files):
            _stop_pid(pid_file)
        shutil.rmtree(self.root, ignore_errors=True)


def start_cluster() -> Cluster:
    """Start every daemon (in a fresh folder under /tmp that the munge and mysql users can enter) and wait
    until sinfo shows the node idle. On any failure the daemons already started are stopped again."""
    root = Path(tempfile.mkdtemp(prefix="pipeline-slurm-"))
    root.chmod(0o755)  # tempfile's 0700 keeps the munge and mysql users out
    cluster = Cluster(root)
    try:
        ports = _free_ports(4)
        _start_munge(cluster)
        _start_mariadb(cluster, ports[0])
        _write_configs(cluster, ports)
        _start(cluster, ["slurmdbd"], root / "run/slurmdbd.pid")
        _wait_port(ports[1], "slurmdbd", cluster)
        _start(cluster, ["slurmctld"], root / "run/slurmctld.pid")
        _start(cluster, ["slurmd"], root / "run/slurmd.pid")
        try:
            _wait_idle(cluster)
        except RuntimeError:  # proctrack/cgroup needs cgroup v1 (CgroupPlugin=cgroup/v1); else linuxproc
            restart_with(cluster, "proctrack/linuxproc")
    except BaseException:
        cluster.stop()
        raise
    return cluster


def _free_ports(count: int) -> list[int]:
    sockets = [socket.socket() for _ in range(count)]
    try:
        for sock in sockets:
            sock.bind(("127.0.0.1", 0))
        return [sock.getsockname()[1] for sock in sockets]
    finally:
        for sock in sockets:
            sock.close()


def _folder(path: Path, user: str | None = None) -> Path:
    path.mkdir(parents=True, exist_ok=True)
    if user:
        entry = pwd.getpwnam(user)
        os.chown(path, entry.pw_uid, entry.pw_gid)
    return path


def _start_munge(cluster: Cluster) -> None:
    """munged as the munge user on its default socket, unless one already answers there (left running)."""
    if MUNGE_SOCKET.exists() and _munge_works():
        return
    home = _folder(cluster.root / "munge", "munge")
    _folder(MUNGE_SOCKET.parent, "munge")
    pid_file = home / "munged.pid"
    subprocess.run(
        [
            "runuser",
            "-u",
            "munge",
            "--",
            "munged",
            "--force",
            f"--pid-file={pid_file}",
            f"--log-file={home / 'munged.log'}",
            f"--seed-file={home / 'munged.seed'}",
        ],
        check=True,
        capture_output=True,
        timeout=30,
    )
    cluster.pid_files.append(pid_file)
    _wait(_munge_works, "munged", cluster)


def _munge_works() -> bool:
    encoded = subprocess.run(["munge", "-n"], capture_output=True, timeout=10)
    return (
        encoded.returncode == 0
        and subprocess.run(["unmunge"], input=encoded.stdout, capture_output=True, timeout=10).returncode == 0
    )


def _start_mariadb(cluster: Cluster, port: int) -> None:
    """A private MariaDB on 127.0.0.1:port for slurmdbd; pid and log where the mysql user can write."""
    home = _folder(cluster.root / "mysql", "mysql")
    data = _folder(home / "data", "mysql")
    subprocess.run(
        [
            "mariadb-install-db",
            "--user=mysql",
            f"--datadir={data}",
            "--auth-root-authentication-method=socket",
            "--skip-test-db",
        ],
        check=True,
        capture_output=True,
        timeout=120,
    )
    sock, pid_file = home / "mysqld.sock", home / "mysqld.pid"
    subprocess.Popen(
        [
            "mariadbd",
            "--no-defaults",
            "--user=mysql",
            f"--datadir={data}",
            f"--socket={sock}",
            f"--pid-file={pid_file}",
            f"--log-error={home / 'mysqld.err'}",
            f"--port={port}",
            "--bind-address=127.0.0.1",
            "--skip-log-bin",
            "--innodb-buffer-pool-size=64M",
        ],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,
    )
    cluster.pid_files.append(pid_file)
    _wait(lambda: sock.exists() and pid_file.exists(), "mariadbd", cluster)
    grants = "".join(
        f"CREATE USER 'slurm'@'{host}' IDENTIFIED BY 'slurm';"
        f"GRANT ALL ON slurm_acct_db.* TO 'slurm'@'{host}';"
        for host in ("127.0.0.1", "localhost")
    )
    subprocess.run(["mariadb", f"--socket={sock}", "-u", "root", "-e", grants], check=True, timeout=30)


def _write_configs(cluster: Cluster, ports: list[int]) -> None:
    """slurm.conf for this node (its real CPUs and memory from `slurmd -C`, a fake GPU on /dev/null),
    slurmdbd.conf, cgroup.conf and gres.conf beside it (SLURM reads them from slurm.conf's folder)."""
    root = cluster.root
    db_port, dbd_port, ctld_port, slurmd_port = ports
    for name in ("run", "log", "state", "spool"):
        _folder(root / name)
    node = subprocess.run(["slurmd", "-C"], capture_output=True, text=True, check=True).stdout.splitlines()[0]
    host = node.split()[0].removeprefix("NodeName=")
    (root / "slurmdbd.conf").write_text(
        f"AuthType=auth/munge\nDbdHost=localhost\nDbdPort={dbd_port}\nSlurmUser=root\n"
        f"LogFile={root}/log/slurmdbd.log\nPidFile={root}/run/slurmdbd.pid\n"
        f"StorageType=accounting_storage/mysql\nStorageHost=127.0.0.1\nStoragePort={db_port}\n"
        "StorageUser=slurm\nStoragePass=slurm\nStorageLoc=slurm_acct_db\n"
    )
    (root / "slurmdbd.conf").chmod(0o600)  # slurmdbd refuses a config others can read (it holds a password)
    (root / "cgroup.conf").write_text("CgroupPlugin=cgroup/v1\n")
    (root / "gres.conf").write_text("Name=gpu File=/dev/null\n")
    cluster.conf.write_text(
        f"ClusterName=pipelinetest\nSlurmctldHost={host}(127.0.0.1)\nSlurmctldPort={ctld_port}\n"
        f"SlurmdPort={slurmd_port}\nAuthType=auth/munge\nAuthInfo=cred_expire={CRED_EXPIRE}\n"
        "SlurmUser=root\nSlurmdUser=root\n"
        f"StateSaveLocation={root}/state\nSlurmdSpoolDir={root}/spool\n"
        f"SlurmctldPidFile={root}/run/slurmctld.pid\nSlurmdPidFile={root}/run/slurmd.pid\n"
        f"SlurmctldLogFile={root}/log/slurmctld.log\nSlurmdLogFile={root}/log/slurmd.log\n"
        "ProctrackType=proctrack/cgroup\nTaskPlugin=task/none\nMpiDefault=none\nMailProg=/bin/true\n"
        "SelectType=select/cons_tres\nSelectTypeParameters=CR_Core_Memory\nGresTypes=gpu\n"
        f"SchedulerParameters=bf_interval={BACKFILL_EVERY}\n"
        f"AccountingStorageType=accounting_storage/slurmdbd\nAccountingStorageHost=localhost\n"
        f"AccountingStoragePort={dbd_port}\nJobAcctGatherType=jobacct_gather/none\nReturnToService=2\n"
        f"{node} NodeAddr=127.0.0.1 Gres=gpu:1 State=UNKNOWN\n"
        f"PartitionName={PARTITION} Nodes={host} Default=YES MaxTime=INFINITE State=UP\n"
    )


def _start(cluster: Cluster, args: list[str], pid_file: Path) -> None:
    """A SLURM daemon (it forks into the background and writes its pid file)."""
    subprocess.run(args, env=cluster.env, check=True, capture_output=True, timeout=30)
    cluster.pid_files.append(pid_file)
    _wait(pid_file.exists, args[0], cluster)


def _wait_port(port: int, name: str, cluster: Cluster) -> None:
    def listening() -> bool:
        with socket.socket() as sock:
            return sock.connect_ex(("127.0.0.1", port)) == 0

    _wait(listening, name, cluster)


def _wait_idle(cluster: Cluster) -> None:
    def idle() -> bool:
        try:
            return cluster.command("sinfo", "-h", "-o", "%T", timeout=5, check=False).split() == ["idle"]
        except subprocess.TimeoutExpired:
            return False

    slurmd = cluster.root / "run/slurmd.pid"
    _wait(idle, "the node to be idle in sinfo", cluster, alive=lambda: _alive(_pid(slurmd)))


def _wait(ready, what: str, cluster: Cluster, alive=lambda: True) -> None:
    deadline = time.monotonic() + START_TIMEOUT
    while not ready():
        if time.monotonic() > deadline or not alive():
            logs = "\n".join(
                f"{log.name}: {' | '.join(log.read_text(errors='replace').splitlines()[-5:])}"
                for log in sorted(cluster.root.glob("*/*.log")) + sorted(cluster.root.glob("*/*.err"))
            )
            raise RuntimeError(f"SLURM test cluster: no {what} after {START_TIMEOUT} s\n{logs}")
        time.sleep(0.1)


def _stop_pid(pid_file: Path, grace: float = 10) -> None:
    """SIGTERM the daemon named in pid_file, then SIGKILL it if it is still there after `grace` seconds."""
    pid = _pid(pid_file)
    try:
        os.kill(pid, signal.SIGTERM)
    except (OSError, TypeError):
        return
    deadline = time.monotonic() + grace
    while _alive(pid) and time.monotonic() < deadline:
        time.sleep(0.1)
    with contextlib.suppress(OSError):
        os.kill(pid, signal.SIGKILL)


def _pid(pid_file: Path) -> int | None:
    try:
        return int(pid_file.read_text().split()[0])
    except (OSError, ValueError, IndexError):
        return None


def _alive(pid: int | None) -> bool:
    """Running (a zombie left by a daemon's double fork counts as gone)."""
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except (OSError, IndexError):
        return False
    return state != "Z"


def restart_with(cluster: Cluster, proctrack: str) -> None:
    """Restart slurmctld and slurmd with another ProctrackType (it is read only at start-up)."""
    text = cluster.conf.read_text()
    cluster.conf.write_text(re.sub(r"(?m)^ProctrackType=.*$", f"ProctrackType={proctrack}", text))
    cluster.proctrack = proctrack
    for name in ("slurmd", "slurmctld"):
        pid_file = cluster.root / f"run/{name}.pid"
        _stop_pid(pid_file)
        cluster.pid_files.remove(pid_file)
    _start(cluster, ["slurmctld"], cluster.root / "run/slurmctld.pid")
    _start(cluster, ["slurmd"], cluster.root / "run/slurmd.pid")
    _wait_idle(cluster)
