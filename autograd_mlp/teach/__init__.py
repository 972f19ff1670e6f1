"""Teaching backpropagation: the lesson's worked example, chain-rule paths, explanations,
network diagrams, backward-pass frames, exercises and the lesson page.

The functions a teacher calls are re-exported here and at the top level
(``from autograd_mlp import paths, explain, draw_network, backward_frames, save_frames,
exercise, check``). Three of them share their module's name (``paths``, ``explain``,
``exercise``), so after this import the package attributes ``teach.paths`` etc. are the
functions; import the modules' other names with ``from autograd_mlp.teach.paths import
count_paths``, which always finds the module.

Nothing here renders at import time: Graphviz (pygraphviz) and Pillow are imported only when
an image is written.
"""

from ..engine.paths import paths
from .exercise import check, exercise
from .explain import explain
from .frames import backward_frames
from .lesson import DEFAULT_LESSON, Lesson, lesson_error, lesson_network
from .lesson_page import lesson_page
from .network import draw_network
from .slides import save_frames

__all__ = [
    "paths",
    "explain",
    "draw_network",
    "backward_frames",
    "save_frames",
    "exercise",
    "check",
    "lesson_error",
    "lesson_network",
    "Lesson",
    "lesson_page",
    "DEFAULT_LESSON",
]
