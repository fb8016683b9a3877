import subprocess

import imageio_ffmpeg
import numpy as np
import pytest
from omegaconf import OmegaConf

from pipeline.errors import UserError
from pipeline.ffmpeg import count_frames, fps_fraction
from pipeline.output.video import Mp4Writer, probe, x264_args
from pipeline.output.video_config import VideoConfig
from tests.conftest import CONF_DIR, compose_config

PRESETS = sorted(path.stem for path in (CONF_DIR / "video").glob("*.yaml"))


def _frames(count, width, height):
    rng = np.random.default_rng(0)
    base = rng.random((height, width, 3)).astype(np.float32)
    return [np.roll(base, 3 * i, axis=1) for i in range(count)]


def smooth_frames(count, width, height):
    """Colour gradients with a moving bright square: content a low CRF reproduces closely."""
    y, x = np.mgrid[0:height, 0:width].astype(np.float32)
    frames = []
    for i in range(count):
        frame = np.stack([x / width, y / height, 0.5 + 0.3 * np.sin((x + 2 * i) / 9)], axis=-1)
        frame[10:20, 2 * i % (width - 10) : 2 * i % (width - 10) + 10] = 1.0
        frames.append(frame.astype(np.float32))
    return frames


def encode(path, frames, fps=24.0, audio=None, **settings):
    height, width = frames[0].shape[:2]
    cfg = settings.pop("cfg", None) or VideoConfig(**{"preset": "veryfast", **settings})
    with Mp4Writer(path, width, height, fps, cfg, audio) as video:
        for frame in frames:
            video.write(frame)
        return video.close()


def decode(path):
    reader = imageio_ffmpeg.read_frames(str(path))
    meta = next(reader)
    width, height = meta["size"]
    return [np.frombuffer(raw, np.uint8).reshape(height, width, 3) / 255.0 for raw in reader]


def ffmpeg_info(path):
    """`ffmpeg -i`'s description of the streams (imageio-ffmpeg ships no ffprobe)."""
    result = subprocess.run(
        [imageio_ffmpeg.get_ffmpeg_exe(), "-hide_banner", "-i", str(path)], capture_output=True
    )
    return result.stderr.decode(errors="replace")


def colour_tags(path):
    """(primaries, transfer, matrix, full range) from the MP4's `colr` nclx atom: 1 is BT.709."""
    data = path.read_bytes()
    at = data.index(b"colrnclx") + 8
    values = [int.from_bytes(data[at + 2 * i : at + 2 * i + 2], "big") for i in range(3)]
    return (*values, data[at + 6] >> 7)


def _top_level_atoms(path):
    data, atoms, offset = path.read_bytes(), [], 0
    while offset + 8 <= len(data):
        size = int.from_bytes(data[offset : offset + 4], "big")
        atoms.append(data[offset + 4 : offset + 8].decode("latin-1"))
        if size < 8:
            break
        offset += size
    return atoms


def _preset(name):
    return OmegaConf.to_object(
        OmegaConf.merge(
            OmegaConf.structured(VideoConfig), OmegaConf.load(CONF_DIR / "video" / f"{name}.yaml")
        )
    )


def test_the_four_presets_exist_and_the_default_is_1080p():
    assert PRESETS == ["draft", "youtube_1080p", "youtube_4k", "youtube_720p"]
    assert "video: youtube_1080p" in (CONF_DIR / "render.yaml").read_text()
    assert compose_config().video.maxrate == 8000


@pytest.mark.parametrize("name", PRESETS)
def test_every_preset_writes_what_youtube_recommends(name, tmp_path):
    cfg = _preset(name)
    assert compose_config(f"video={name}").video.crf == cfg.crf  # composes over the real root config
    # 72x40: neither side a multiple of 16, which imageio's default writer would silently rescale
    path = encode(tmp_path / "out.mp4", _frames(7, 72, 40), cfg=cfg)
    info, data = probe(path), path.read_bytes()
    assert info["frames"] == 7 and tuple(info["size"]) == (72, 40) and info["fps"] == pytest.approx(24.0)
    assert "Video: h264 (High)" in ffmpeg_info(path) and info["pix_fmt"].startswith("yuv420p(tv")
    assert "progressive" in info["pix_fmt"]
    assert colour_tags(path) == (1, 1, 1, 0)  # BT.709 primaries, transfer and matrix; limited range
    atoms = _top_level_atoms(path)
    assert atoms.index("moov") < atoms.index("mdat")  # +faststart: playable while downloading
    for option in (b"bframes=2", b"keyint=12 ", b"open_gop=0", b"scenecut=0", b"crf=%d.0" % cfg.crf):
        assert option in data  # x264 writes its settings into the stream
    assert (f"vbv_maxrate={cfg.maxrate} ".encode() in data) == (cfg.maxrate is not None)
    assert not (tmp_path / "out.partial.mp4").exists() and not (tmp_path / "segments").exists()


def test_high_frame_rates_get_a_half_second_gop_and_youtubes_higher_cap(tmp_path):
    args = x264_args(VideoConfig(maxrate=8000), 60.0)
    assert args[args.index("-g") + 1] == "30" and args[args.index("-maxrate") + 1] == "12000k"
    ntsc = x264_args(VideoConfig(maxrate=8000), 29.97)
    assert ntsc[ntsc.index("-g") + 1] == "15" and ntsc[ntsc.index("-maxrate") + 1] == "8000k"
    path = encode(tmp_path / "out.mp4", _frames(4, 64, 48), fps=60.0)
    assert b"keyint=30 " in path.read_bytes() and probe(path)["fps"] == pytest.approx(60.0)


def test_segments_join_into_one_video_close_to_the_input(tmp_path):
    frames = smooth_frames(30, 64, 48)
    # 24 fps: GOP 12, so segment_frames=5 rounds up to 12: segments of 12, 12 and 6 frames
    path = encode(tmp_path / "out.mp4", frames, crf=12, segment_frames=5, keep_segments=True)
    segments = sorted((tmp_path / "segments").glob("*.mp4"))
    assert [s.name for s in segments] == ["000000.mp4", "000012.mp4", "000024.mp4"]
    assert [count_frames(s) for s in segments] == [12, 12, 6]
    decoded = decode(path)
    assert len(decoded) == 30 and probe(path)["frames"] == 30
    assert max(np.abs(d - f).mean() for d, f in zip(decoded, frames)) < 0.02


@pytest.mark.parametrize("count, lengths", [(25, [12, 13]), (26, [12, 14]), (27, [12, 12, 3]), (2, [2])])
def test_a_short_tail_joins_the_last_segment_so_the_timeline_has_no_gap(tmp_path, count, lengths):
    # a 1- or 2-frame segment has no B-frame delay, which left a gap that showed as 22.77 fps
    path = encode(tmp_path / "out.mp4", _frames(count, 32, 32), segment_frames=12, keep_segments=True)
    assert [count_frames(s) for s in sorted((tmp_path / "segments").glob("*.mp4"))] == lengths
    assert probe(path)["fps"] == pytest.approx(24.0) and probe(path)["frames"] == count


def test_segments_are_deleted_after_a_successful_join(tmp_path):
    encode(tmp_path / "out.mp4", _frames(5, 32, 32), segment_frames=2)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["out.mp4"]


def test_ntsc_rate_is_exact():
    assert str(fps_fraction(29.97)) == "30000/1001"
    assert str(fps_fraction(23.976)) == "24000/1001"
    assert str(fps_fraction(12.5)) == "25/2"
    assert str(fps_fraction(24)) == "24"


def test_odd_sizes_are_refused_never_rescaled(tmp_path):
    with pytest.raises(UserError, match="even sides"):
        Mp4Writer(tmp_path / "out.mp4", 63, 48, 24.0, VideoConfig())


def test_missing_output_directory_fails_in_one_line(tmp_path):
    with pytest.raises(UserError) as caught:
        Mp4Writer(tmp_path / "no" / "such" / "out.mp4", 32, 32, 24.0, VideoConfig())
    assert "segments" in str(caught.value) and "\n" not in str(caught.value)


def test_unwritable_segment_fails_in_one_line(tmp_path):
    (tmp_path / "segments" / "000000.partial.mp4").mkdir(parents=True)  # ffmpeg cannot open its output
    with pytest.raises(UserError) as caught:
        encode(tmp_path / "out.mp4", _frames(200, 32, 32), preset="ultrafast")
    assert "ffmpeg" in str(caught.value) and "\n" not in str(caught.value)


def test_unwritable_final_file_fails_in_one_line_and_keeps_the_segments(tmp_path):
    (tmp_path / "out.partial.mp4").mkdir()
    with pytest.raises(UserError) as caught:
        encode(tmp_path / "out.mp4", _frames(3, 32, 32))
    assert "ffmpeg could not join" in str(caught.value) and "\n" not in str(caught.value)
    assert count_frames(tmp_path / "segments" / "000000.mp4") == 3 and not (tmp_path / "out.mp4").exists()


@pytest.mark.parametrize(
    "kwargs, fragment",
    [
        ({"crf": 60}, "crf"),
        ({"filename": "a.mkv"}, "filename"),
        ({"maxrate": 8}, "maxrate"),
        ({"segment_frames": 0}, "segment_frames"),
    ],
)
def test_bad_video_settings_are_refused(kwargs, fragment):
    with pytest.raises(UserError, match=fragment):
        VideoConfig(**kwargs)


def test_an_encode_that_fails_before_a_segment_is_finished_leaves_no_segments_folder(tmp_path):
    """An error mid-render with no finished segment: the unfinished one and its empty folder go (a failed
    encode used to leave an empty segments/); with a finished segment, the folder and it stay."""
    writer = Mp4Writer(tmp_path / "out.mp4", 32, 32, 24.0, VideoConfig(preset="ultrafast"))
    with pytest.raises(RuntimeError, match="dream failed"), writer as video:
        video.write(_frames(1, 32, 32)[0])
        raise RuntimeError("dream failed")
    assert sorted(p.name for p in tmp_path.iterdir()) == []
    kept = tmp_path / "kept"
    kept.mkdir()
    writer = Mp4Writer(kept / "out.mp4", 32, 32, 24.0, VideoConfig(preset="ultrafast", segment_frames=24))
    with pytest.raises(RuntimeError, match="dream failed"), writer as video:
        for frame in _frames(60, 32, 32):  # two whole segments of 24 frames (a 12-frame GOP), then 12
            video.write(frame)
        raise RuntimeError("dream failed")
    assert sorted(p.name for p in (kept / "segments").iterdir()) == ["000000.mp4", "000024.mp4"]
