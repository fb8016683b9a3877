"""Ctrl-C / SIGTERM: the first asks politely (the loop finishes its frame), the second stops at once."""

import os
import signal
import threading

import pytest

from pipeline.run.interrupts import StopRequest


def test_first_signal_is_a_request_with_the_shell_exit_code():
    with StopRequest() as stop:
        assert stop.requested is None
        os.kill(os.getpid(), signal.SIGTERM)
        assert stop.requested == signal.SIGTERM
        assert stop.exit_code == 143


def test_second_signal_interrupts_at_once():
    with StopRequest() as stop, pytest.raises(KeyboardInterrupt):
        os.kill(os.getpid(), signal.SIGINT)
        assert stop.exit_code == 130
        os.kill(os.getpid(), signal.SIGINT)


def test_the_previous_handlers_come_back_afterwards():
    before = signal.getsignal(signal.SIGINT), signal.getsignal(signal.SIGTERM)
    with StopRequest():
        assert signal.getsignal(signal.SIGINT) != before[0]
    assert (signal.getsignal(signal.SIGINT), signal.getsignal(signal.SIGTERM)) == before


def test_outside_the_main_thread_it_installs_nothing():
    before = signal.getsignal(signal.SIGINT)
    seen = []

    def worker():
        with StopRequest() as stop:
            seen.append((signal.getsignal(signal.SIGINT), stop.previous))

    thread = threading.Thread(target=worker)
    thread.start()
    thread.join()
    assert seen == [(before, {})]


def test_ctrl_c_while_the_video_is_finished_waits_for_a_whole_mp4(tiny_config, tmp_path, monkeypatch):
    """The request covers the final encode: the MP4 is completed, not left as a .partial, and the
    render still says it was asked to stop (a sweep stops after it) while saying it is complete."""
    from pipeline.output.video import Mp4Writer, probe
    from pipeline.render import Interrupted, render

    close = Mp4Writer.close

    def close_after_ctrl_c(self):
        os.kill(os.getpid(), signal.SIGINT)  # delivered here, in the main thread, before ffmpeg finishes
        return close(self)

    monkeypatch.setattr(Mp4Writer, "close", close_after_ctrl_c)
    with pytest.raises(Interrupted) as stopped:
        render(tiny_config("frames=2"), tmp_path)
    assert stopped.value.complete and stopped.value.exit_code == 130
    assert probe(tmp_path / "dream.mp4")["frames"] == 2
    assert not list(tmp_path.glob("*.partial.mp4"))


def test_slurms_time_limit_warning_lets_the_frame_finish_and_the_limit_itself_stops_it():
    """SIGUSR2 (minutes ahead of the limit): the frame in flight is finished, exit 140. A SIGTERM after
    it (the limit) stops between steps; a further one stops at once."""
    with StopRequest() as stop, pytest.raises(KeyboardInterrupt):
        os.kill(os.getpid(), signal.SIGUSR2)
        assert stop.requested == signal.SIGUSR2 and not stop.should_stop() and stop.exit_code == 140
        os.kill(os.getpid(), signal.SIGTERM)
        assert stop.should_stop() and stop.exit_code == 140
        os.kill(os.getpid(), signal.SIGTERM)


def test_a_time_limit_warning_in_a_frame_ends_the_render_after_that_frame(tiny_config, tmp_path, monkeypatch):
    """SIGUSR2 while frame 1 is dreamed: frame 1 is finished and written, then the loop ends (frames 2-3
    are left to the requeued job); the render says it was stopped, not complete, with exit code 140."""
    from pipeline.output.video import probe
    from pipeline.render import Interrupted, render
    from pipeline.run.renderer import Renderer

    dream = Renderer.dream

    def warned_in_frame_1(self, source, index):
        if index == 1:
            os.kill(os.getpid(), signal.SIGUSR2)
        return dream(self, source, index)

    monkeypatch.setattr(Renderer, "dream", warned_in_frame_1)
    with pytest.raises(Interrupted) as stopped:
        render(tiny_config("frames=4", "cadence=1"), tmp_path)
    assert (stopped.value.exit_code, stopped.value.complete, stopped.value.frames_done) == (140, False, 2)
    assert sorted(p.name for p in (tmp_path / "frames").glob("*.png")) == ["000000.png", "000001.png"]
    assert probe(tmp_path / "dream.mp4")["frames"] == 2
