import numpy as np
import pytest

from pipeline.errors import UserError
from pipeline.video import Mp4Writer, VideoConfig, fps_fraction, probe


def _frames(count, width, height):
    rng = np.random.default_rng(0)
    base = rng.random((height, width, 3)).astype(np.float32)
    return [np.roll(base, 3 * i, axis=1) for i in range(count)]


def _top_level_atoms(path):
    data, atoms, offset = path.read_bytes(), [], 0
    while offset + 8 <= len(data):
        size = int.from_bytes(data[offset : offset + 4], "big")
        atoms.append(data[offset + 4 : offset + 8].decode("latin-1"))
        if size < 8:
            break
        offset += size
    return atoms


def test_mp4_has_the_frames_size_codec_and_format_asked_for(tmp_path):
    # 72x40: neither side a multiple of 16, which imageio's default writer would silently rescale
    path = tmp_path / "out.mp4"
    with Mp4Writer(path, 72, 40, 30.0, VideoConfig(preset="ultrafast")) as video:
        for frame in _frames(7, 72, 40):
            video.write(frame)
        assert video.close() == path
    info = probe(path)
    assert info["frames"] == 7
    assert tuple(info["size"]) == (72, 40)
    assert info["codec"].startswith("h264")
    assert info["pix_fmt"].startswith("yuv420p")
    assert info["fps"] == pytest.approx(30.0)
    atoms = _top_level_atoms(path)
    assert atoms.index("moov") < atoms.index("mdat")  # +faststart: playable while downloading
    assert not (tmp_path / "out.partial.mp4").exists()


def test_ntsc_rate_is_exact():
    assert str(fps_fraction(29.97)) == "30000/1001"
    assert str(fps_fraction(23.976)) == "24000/1001"
    assert str(fps_fraction(12.5)) == "25/2"
    assert str(fps_fraction(24)) == "24"


def test_unwritable_output_fails_in_one_line(tmp_path):
    missing = tmp_path / "no" / "such" / "dir" / "out.mp4"
    writer = Mp4Writer(missing, 32, 32, 24.0, VideoConfig(preset="ultrafast"))
    with pytest.raises(UserError) as caught:
        for frame in _frames(200, 32, 32):
            writer.write(frame)
        writer.close()
    assert "ffmpeg" in str(caught.value) and "\n" not in str(caught.value)


@pytest.mark.parametrize(
    "kwargs, fragment",
    [({"crf": 60}, "crf"), ({"preset": "fastest"}, "preset"), ({"filename": "a.mkv"}, "filename")],
)
def test_bad_video_settings_are_refused(kwargs, fragment):
    with pytest.raises(UserError, match=fragment):
        VideoConfig(**kwargs)
