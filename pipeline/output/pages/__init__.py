"""index.html pages people open in a browser: one per run (video, contact sheet, settings, plots of the
manifest) and one per sweep (every job's video playing side by side).

Self-contained on purpose: CSS, JavaScript and plots (SVG) are inline and every link is relative, so a page
works opened straight from disk (file://), from a cluster's shared filesystem or from an archive, with no
server and no network. May know: output (manifest), sources (atomic writes). May not know: the dreamer or
torch."""
