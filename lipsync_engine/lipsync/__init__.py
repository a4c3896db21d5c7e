"""The "lipsync" engine: weight-free, CPU, all three modes. No Django.

Phones from pocketsphinx's shipped phone model become mouth shapes (audio.py); mediapipe's shipped
face detection + face mesh find the faces (faces.py); a landmark-driven piecewise-affine warp moves
lips, jaw and chin inside the face oval and a painted mouth interior fills the opening (mouth.py,
render.py); image modes add seeded blinks, head motion and breathing (idle.py); every output is
re-measured for lip-sync (sync.py). See engine.py for the modes and the output format.
"""

from .engine import LipsyncEngine

__all__ = ["LipsyncEngine"]
