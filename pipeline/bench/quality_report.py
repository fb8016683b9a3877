"""The quality benchmark's table (stdout) and its contact sheets (JPEG files to look at)."""

from __future__ import annotations

from pathlib import Path

from pipeline.output.previews import captioned_grid


def report(r: dict) -> None:
    overrides = " ".join(r["overrides"]) or "-"
    print(f"quality on {r['network']} features, layer {r['layer']}; overrides: {overrides}")
    if z := r.get("zoom"):
        ours, full = z["smoothness"]["defaults"], z["smoothness"]["full"]
        print(
            f"(1) zoom, {z['frames']} frames at {z['size']}: defaults ({z['dreamed']['defaults']} dreamed) "
            f"vs full dreams every frame"
        )
        kept, worst = 100 * z["kept"], 100 * z["worst"]
        print(f"    strength kept {kept:.1f}%  worst frame {worst:.1f}% (#{z['worst_frame']})")
        print(
            f"    smoothness residual mean {ours['mean']:.4f} (full {full['mean']:.4f}), worst "
            f"{ours['worst']:.4f} (full {full['worst']:.4f})"
        )
        local = "n/a" if ours["local_jump"] is None else f"{ours['local_jump']:.2f}x"
        video = "n/a" if ours["jump"] is None else f"{ours['jump']:.2f}x"
        print(f"    jump into dreamed frames {local} the in-betweens around it ({video} the video's median)")
        seconds = z["seconds"]
        print(
            f"    time {seconds['defaults']:.1f} s vs {seconds['full']:.1f} s: cost ratio {z['cost']:.3f} "
            f"(1/{1 / z['cost']:.1f})"
        )
    if c := r.get("colour"):
        print(
            f"(2) colour coherence ({' '.join(c['coherence'])}), {c['frames']} frames at {c['size']}: "
            "largest drift from frame 0"
        )
        for name in ("off", "on"):
            d = c[name]
            lum, sat, clip = (100 * d[key] for key in ("luminance", "saturation", "clipped"))
            print(f"    {name:3s}  luminance {lum:5.1f}%  saturation {sat:5.1f}%  clipped {clip:5.1f} points")
        print(f"    strength kept with it: {100 * c['kept']:.1f}% of the render without it")
    if s := r.get("stills"):
        sim = s["similarity"]
        print(
            f"(3) stills at {s['layer']}: similarity to the guide: photo {sim['photo']:.3f}, plain dream "
            f"{sim['plain']:.3f}, guided {sim['guided']:.3f}"
        )
        for name in ("plain", "channel"):
            g = s[f"gain_{name}"]
            ratio = g["chosen"] / g["others_median"]
            print(
                f"    {name:7s} dream: channel {s['channel']} gain {g['chosen']:.2f}x, other channels' "
                f"median {g['others_median']:.2f}x (ratio {ratio:.1f})"
            )


def write_sheets(r: dict, out: Path) -> list[Path]:
    """Every section's pictures as captioned JPEG grids in `out`; the pictures leave `r` (it becomes JSON)."""
    written = []
    for section in ("zoom", "colour"):
        for name, pictures in r.get(section, {}).pop("sheets", {}).items():
            written.append(captioned_grid(pictures, out / f"{section}_{name}.jpg", width=240))
    if s := r.get("stills"):
        pictures = [
            (s.pop(f"picture_{name}"), [caption])
            for name, caption in (
                ("plain", "plain dream"),
                ("guided", "towards the guide"),
                ("channel", f"channel {s['channel']} only"),
            )
        ]
        written.append(captioned_grid(pictures, out / "stills.jpg", width=320, columns=3))
    return written
