"""What `python -m pipeline.bench` prints: one network's figures, and the networks side by side."""

from __future__ import annotations


def report_side_by_side(runs: list[dict]) -> None:
    """One line per network, measured in this run: what `docs/networks.md` tabulates."""
    first = runs[0]
    print(
        f"side by side, {first['width']}x{first['height']}, {first['octaves']} octaves x {first['steps']} "
        f"steps, {first['precision']}, on {first['device']}:"
    )
    for r in runs:
        reference = f"  reference {r['reference_s']:7.2f} s/dream" if "reference_s" in r else ""
        work = f"{1000 * r['workload_tflop']:7.1f} GFLOP per dream"
        print(
            f"  {r['model']:13s} {r['layer']:12s} {r['ours_s']:7.2f} s/dream  "
            f"{r['ours_gflops']:6.0f} GFLOP/s  {work}{reference}"
        )


def report(r: dict) -> None:
    print(
        f"{r['model']} on {r['device']} ({r['precision']}), {r['width']}x{r['height']}, {r['layer']}, "
        f"{r['octaves']} octaves x {r['steps']} steps: {r['workload_tflop']:.2f} TFLOP of convolution"
    )
    low = f"{r['peak_low_gflops']:.0f} GFLOP/s" if r["peak_low_gflops"] else "none (auto runs fp32 here)"
    print(
        f"conv peak (512->512 3x3 at {r['peak_size']}px): fp32 {r['peak_fp32_gflops']:.0f} GFLOP/s, "
        f"low precision {low}"
    )
    print(
        f"ours      {r['ours_s']:8.2f} s/dream  {r['ours_gflops']:6.0f} GFLOP/s  "
        f"{100 * r['ours_fraction_of_peak']:.0f}% of peak"
    )
    if "reference_s" in r:
        ratio = r["speedup_vs_reference"]
        print(f"reference {r['reference_s']:8.2f} s/dream  ratio reference/ours {ratio:.2f}x")
    if "reference_skipped" in r:
        print(f"reference skipped: {r['reference_skipped']}")
    if "frame_full_s" in r:
        print(
            f"video frame: full {r['frame_full_s']:.2f} s, light ({r['frame_octaves']} octaves x "
            f"{r['frame_steps']} steps) {r['frame_light_s']:.2f} s = {r['frame_time_ratio']:.2f} of full, "
            f"keeping {100 * r['frame_strength_ratio']:.0f}% of the dream strength"
        )
    if "quality_first" in r:
        for name in ("first", "last"):
            figures = "  ".join(f"{key} {value:.4g}" for key, value in r[f"quality_{name}"].items())
            print(f"quality, {name} video frame: {figures}")
    whose = "reset just before one dream" if r["peak_memory_own"] else "the process's so far: no reset here"
    print(f"peak memory {r['peak_memory_mb']:.0f} MB ({whose}); results in {r['json']}")
