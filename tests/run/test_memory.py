"""The memory budget per device kind, from allocator and OS figures injected where they are read."""

import sys
from pathlib import Path

import pytest
import torch

from pipeline.run import memory
from pipeline.run.memory import available_memory

GIB = 2**30


def test_cuda_counts_our_own_cached_blocks_as_free(monkeypatch):
    """A sweep's second job: the driver sees 1 GiB free, but our allocator holds 6 GiB of which only 1 GiB
    is in use; 5 GiB of it is ours to reuse, so 6 GiB is the budget. Asked of the device in use."""
    asked = []

    def figure(value):
        return lambda device=None: asked.append(device) or value

    monkeypatch.setattr(torch.cuda, "mem_get_info", figure((1 * GIB, 16 * GIB)))
    monkeypatch.setattr(torch.cuda, "memory_reserved", figure(6 * GIB))
    monkeypatch.setattr(torch.cuda, "memory_allocated", figure(1 * GIB))
    assert available_memory(torch.device("cuda", 1)) == 6 * GIB
    assert asked == [torch.device("cuda", 1)] * 3


def test_mps_budget_is_metals_recommended_size_minus_what_the_driver_holds(monkeypatch):
    monkeypatch.setattr(torch.mps, "recommended_max_memory", lambda: 10 * GIB)
    monkeypatch.setattr(torch.mps, "driver_allocated_memory", lambda: 3 * GIB)
    assert available_memory(torch.device("mps")) == 7 * GIB


def _sysconf(figures):
    def sysconf(name):
        if name not in figures:
            raise ValueError("unrecognized configuration name")  # what macOS says for SC_AVPHYS_PAGES
        return figures[name]

    return sysconf


def test_macos_cpu_has_no_avphys_pages_and_uses_physical_memory(monkeypatch):
    monkeypatch.setattr(sys, "platform", "darwin")
    monkeypatch.setattr(memory.os, "sysconf", _sysconf({"SC_PAGE_SIZE": 16384, "SC_PHYS_PAGES": 1048576}))
    assert available_memory(torch.device("cpu")) == 16 * GIB


def test_other_unixes_use_available_pages(monkeypatch):
    monkeypatch.setattr(sys, "platform", "freebsd14")
    figures = {"SC_PAGE_SIZE": 4096, "SC_PHYS_PAGES": 4 * 2**20, "SC_AVPHYS_PAGES": 2**20}
    monkeypatch.setattr(memory.os, "sysconf", _sysconf(figures))
    assert available_memory(torch.device("cpu")) == 4 * GIB


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="reads /proc/meminfo")
def test_linux_cpu_reads_mem_available(monkeypatch):
    monkeypatch.setattr(memory.os, "sysconf", _sysconf({}))  # never needed on Linux
    for line in Path("/proc/meminfo").read_text().splitlines():
        if line.startswith("MemAvailable:"):
            expected = int(line.split()[1]) * 1024
    assert available_memory(torch.device("cpu")) == pytest.approx(expected, rel=0.2)
