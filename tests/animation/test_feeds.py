"""Where each frame's input comes from: the zoom loop feeds back the camera-moved dream; a clip feed
frames the clip by the camera's move so far and hands coherence the previous source and dream."""

import numpy as np
import pytest

import pipeline.animation.feeds as feeds
from pipeline.animation.camera import Camera, MotionConfig
from pipeline.animation.feeds import ClipFeed, ZoomFeed

W, H, FPS = 40, 32, 4


def _frame(seed):
    return np.random.default_rng(seed).random((H, W, 3)).astype(np.float32)


def _camera(**motion):
    return Camera(MotionConfig(**motion), fps=FPS, width=W, height=H)


def test_the_zoom_loop_starts_from_the_first_input_and_feeds_back_the_moved_dream():
    camera = _camera(zoom="0:(1.1), 2:(1.5)", angle="8")  # keyframed: the warp differs at every t
    first = _frame(0)
    feed = ZoomFeed(camera, 4, 0, first)
    frame, stats = feed.input_for(0)
    assert frame is first and stats == {}
    for index in range(3):
        dreamed = _frame(10 + index)
        (written,) = feed.move_on(index, dreamed)
        carry = written.keep
        assert written.image is dreamed and written.index == index
        expected = camera.warp(dreamed, index / FPS)  # the step from this frame's time to the next
        assert np.array_equal(carry, expected)
        assert np.array_equal(feed.input_for(index + 1)[0], expected)
        assert not np.array_equal(expected, camera.warp(dreamed, (index + 1) / FPS))  # t matters here
    feed.close()


class _RecordingCoherence:
    def __init__(self):
        self.calls = []

    def next_input(self, source, previous_source, previous_dream):
        self.calls.append((source, previous_source, previous_dream))
        return source * 0.5, {"mode": "recorded", "call": len(self.calls)}


@pytest.fixture
def clip(monkeypatch):
    """Six synthetic clip frames instead of a decoded file; records whether the stream was closed."""
    frames = [_frame(100 + i) for i in range(6)]
    state = {"closed": False, "path": None}

    def read_clip(path, width, height):
        state["path"], state["size"] = path, (width, height)
        try:
            yield from frames
        finally:
            state["closed"] = True

    monkeypatch.setattr(feeds, "read_clip", read_clip)
    return frames, state


def test_a_still_clip_feed_hands_coherence_each_frame_with_the_previous_source_and_dream(clip):
    frames, state = clip
    coherence = _RecordingCoherence()
    feed = ClipFeed("clip.mp4", _camera(), coherence, count=6, start=0, carry=None)
    frame, stats = feed.input_for(0)
    assert state["size"] == (W, H) and state["path"] == "clip.mp4"
    assert np.array_equal(frame, frames[0] * 0.5) and stats == {"coherence": {"mode": "recorded", "call": 1}}
    source, previous_source, previous_dream = coherence.calls[0]
    assert np.array_equal(source, frames[0]) and previous_source is None and previous_dream is None
    dreamed = _frame(7)
    assert feed.move_on(0, dreamed)[0].keep is dreamed  # a clip's carry is the last dream itself
    feed.input_for(1)
    source, previous_source, previous_dream = coherence.calls[1]
    assert np.array_equal(source, frames[1]) and np.array_equal(previous_source, frames[0])
    assert previous_dream is dreamed
    feed.close()
    assert state["closed"]


def _travelled(camera, steps):
    total = np.eye(3)
    for index in range(steps):
        total = np.vstack([camera.matrix(index / FPS), [0, 0, 1]]) @ total
    return total[:2]


def test_a_moving_camera_frames_each_clip_frame_by_its_whole_move_so_far(clip):
    frames, _ = clip
    camera = _camera(zoom="0:(1.2), 1:(1.6)", shift_x="0.1")
    coherence = _RecordingCoherence()
    feed = ClipFeed("clip.mp4", camera, coherence, count=6, start=0, carry=None)
    for index in range(4):
        feed.input_for(index)
        feed.move_on(index, _frame(50 + index))
        source = coherence.calls[index][0]
        assert np.allclose(source, camera.apply(frames[index], _travelled(camera, index)), atol=1e-6)
    assert np.array_equal(coherence.calls[0][0], frames[0])  # frame 0: not moved yet
    assert not np.allclose(coherence.calls[3][0], frames[3], atol=0.05)


def test_a_resumed_clip_feed_skips_to_its_frame_with_the_saved_dream_and_the_same_framing(clip):
    frames, _ = clip
    camera = _camera(zoom="1.3", angle="5")
    coherence = _RecordingCoherence()
    carry = _frame(99)
    feed = ClipFeed("clip.mp4", camera, coherence, count=6, start=3, carry=carry)
    feed.input_for(3)
    source, previous_source, previous_dream = coherence.calls[0]
    assert np.allclose(source, camera.apply(frames[3], _travelled(camera, 3)), atol=1e-6)
    assert np.allclose(previous_source, camera.apply(frames[2], _travelled(camera, 2)), atol=1e-6)
    assert previous_dream is carry


def test_closing_a_feed_whose_frames_cannot_be_closed_is_harmless(monkeypatch):
    monkeypatch.setattr(feeds, "read_clip", lambda path, width, height: iter([_frame(0)]))
    feed = ClipFeed("clip.mp4", _camera(), _RecordingCoherence(), count=6, start=0, carry=None)
    feed.close()


def test_each_feed_dreams_every_frame_from_where_it_starts(clip):
    assert list(ZoomFeed(_camera(), 4, 1, _frame(0)).frames_to_dream()) == [1, 2, 3]
    feed = ClipFeed("clip.mp4", _camera(), _RecordingCoherence(), count=6, start=2, carry=_frame(9))
    assert list(feed.frames_to_dream()) == [2, 3, 4, 5]


def test_a_clip_frame_is_written_as_dreamed_and_kept_for_the_next_one(clip):
    feed = ClipFeed("clip.mp4", _camera(), _RecordingCoherence(), count=6, start=0, carry=None)
    feed.input_for(0)
    dreamed = _frame(3)
    (written,) = feed.move_on(0, dreamed)
    assert written.index == 0 and written.image is dreamed and written.keep is dreamed
    assert written.between is None


@pytest.mark.parametrize(
    "ending, reason",
    [
        (None, "it ends there"),
        (RuntimeError("ffmpeg: Invalid data\nmoov atom not found"), "moov atom not found"),
    ],
)
def test_a_clip_that_ends_early_is_one_line_saying_what_is_kept(monkeypatch, ending, reason):
    def read_clip(path, width, height):
        yield _frame(0)
        if ending is not None:  # a decoder error; else the file simply has no more frames
            raise ending

    monkeypatch.setattr(feeds, "read_clip", read_clip)
    feed = ClipFeed("cut.mp4", _camera(), _RecordingCoherence(), count=6, start=0, carry=None)
    feed.input_for(0)
    with pytest.raises(feeds.ClipEnded) as ended:
        feed.input_for(1)
    assert str(ended.value) == (
        f"input: cut.mp4 gave no frame 1 ({reason}; is the file cut short?); "
        "the 1 frames before it are dreamed and encoded"
    )
