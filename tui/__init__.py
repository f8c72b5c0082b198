"""The tracker's user interface: the Textual app and the ``ipt`` command line.

Textual draws a changed screen on its next frame, at most 60 a second unless told otherwise,
so a key waits up to 16.7 ms for its frame before any drawing starts. ipt asks for up to 120
(``TEXTUAL_FPS``, set here because Textual reads it once, when first imported): moving down
the actions table shows about 4 ms sooner at the median. Frames are only drawn when
something changed, so an idle tracker costs nothing more. A ``TEXTUAL_FPS`` already set wins.
"""

import os

os.environ.setdefault("TEXTUAL_FPS", "120")
