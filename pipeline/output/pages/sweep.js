// The sweep page's controls: restart every video at once, play/pause all, filter and sort the tiles by
// any swept key. Plain DOM scripting, inlined into index.html (no libraries, works from file://).
"use strict";
const grid = document.getElementById("jobs");
const tiles = Array.from(grid.querySelectorAll(".job"));
const videos = () => Array.from(grid.querySelectorAll(".job:not([hidden]) video"));
const playAll = (list) => list.forEach((v) => v.play().catch(() => {})); // autoplay may be refused: no error
const playButton = document.getElementById("playpause");

function restartAll() {
  // Seek every video to its start first, then start them together, so motion lines up side by side.
  const list = videos();
  list.forEach((v) => { v.pause(); v.currentTime = 0; });
  playAll(list);
  playButton.textContent = "Pause all";
}

function togglePlay() {
  const list = videos();
  const anyPlaying = list.some((v) => !v.paused);
  if (anyPlaying) list.forEach((v) => v.pause()); else playAll(list);
  playButton.textContent = anyPlaying ? "Play all" : "Pause all";
}

const valueOf = (tile, key) => (key === "status" ? tile.dataset.status : JSON.parse(tile.dataset.values)[key] ?? "");

function applyFilters() {
  const filters = Array.from(document.querySelectorAll("select.filter")).filter((s) => s.value !== "*");
  let shown = 0;
  for (const tile of tiles) {
    const visible = filters.every((s) => valueOf(tile, s.dataset.key) === s.value);
    tile.hidden = !visible;
    shown += visible;
    const video = tile.querySelector("video");
    if (video && !visible) video.pause();
    if (video && visible && playButton.textContent === "Pause all") video.play().catch(() => {});
  }
  document.getElementById("shown").textContent = `${shown} of ${tiles.length} shown`;
}

function compare(a, b) {
  const x = Number(a), y = Number(b);
  if (a !== "" && b !== "" && !Number.isNaN(x) && !Number.isNaN(y)) return x - y;
  return String(a).localeCompare(String(b));
}

function applySort() {
  const key = document.getElementById("sort").value;
  const num = (tile) => Number(tile.dataset.num);
  const ordered = [...tiles].sort((a, b) => (key ? compare(valueOf(a, key), valueOf(b, key)) : 0) || num(a) - num(b));
  ordered.forEach((tile) => grid.appendChild(tile));
}

document.getElementById("restart").addEventListener("click", restartAll);
playButton.addEventListener("click", togglePlay);
document.querySelectorAll("select.filter").forEach((s) => s.addEventListener("change", applyFilters));
document.getElementById("sort").addEventListener("change", applySort);
applyFilters();
