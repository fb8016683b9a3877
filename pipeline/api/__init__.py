"""The Python API: dream images and render videos from code or a notebook, with the command line's
settings, defaults and one-line mistakes (docs/python.md).

Dreamer (dreamer.py) keeps a network in memory and dreams one image per call, stills per layer and their
labelled grid; render_video (video.py) runs the render command in this process; DreamImage (picture.py)
is the 8-bit RGB array they return, drawn inline by Jupyter. settings.py turns keyword arguments into the
CLI's overrides. Importing this package loads no torch: a Dreamer loads it when it is made.
"""

from pipeline.api.dreamer import Dreamer
from pipeline.api.picture import DreamImage
from pipeline.api.video import render_video

__all__ = ["DreamImage", "Dreamer", "render_video"]
