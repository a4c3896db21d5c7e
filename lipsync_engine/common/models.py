"""The models, loaded once per process and shared by every job (the worker is one process).

mediapipe 0.10.21 ships the face detection and face mesh models inside its wheel (legacy
`mp.solutions` API); pocketsphinx 5.1.1 ships an English acoustic model and a phone language model.
Nothing is downloaded. Each model object is used by one job at a time: `lock` guards the face
models, `phone_lock` the phone decoder. The worker runs one job at a time; the locks only
protect a process that renders from several threads.
"""

from __future__ import annotations

import logging
import os
import sys
import threading
import types
from functools import cache

# mediapipe and TensorFlow Lite log to stderr from C++ at import; keep the worker's log readable.
os.environ.setdefault("GLOG_minloglevel", "2")
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")

lock = threading.RLock()
phone_lock = threading.RLock()
log = logging.getLogger(__name__)


@cache
def _solutions():
    _without_drawing()
    import mediapipe as mp  # heavy: imported on first use only

    return mp.solutions


_DRAWING = ("mediapipe.python.solutions.drawing_utils",
            "mediapipe.python.solutions.drawing_styles")


def _without_drawing() -> None:
    """`import mediapipe` imports its drawing helpers, and they import matplotlib (~0.35 s of a
    cold start); nothing here draws. Empty stand-ins take their place unless they are loaded."""
    for name in _DRAWING:
        if name not in sys.modules:
            sys.modules[name] = types.ModuleType(name, "not loaded: the engines draw nothing")


@cache
def face_detector():
    """Full-range detection: finds small faces in wide (16:9) frames, unlike the mesh's own."""
    return _solutions().face_detection.FaceDetection(model_selection=1,
                                                     min_detection_confidence=0.5)


@cache
def face_mesh_static():
    """Mesh for one image or a crop: runs its own short-range detection on the crop first."""
    return _solutions().face_mesh.FaceMesh(static_image_mode=True, max_num_faces=1,
                                           refine_landmarks=True, min_detection_confidence=0.5)


@cache
def face_mesh_tracking(slot: int):
    """Tracking meshes (video frames, the sync check): state carries over; reset() per sequence."""
    return _solutions().face_mesh.FaceMesh(static_image_mode=False, max_num_faces=1,
                                           refine_landmarks=False, min_detection_confidence=0.5,
                                           min_tracking_confidence=0.5)


@cache
def face_mesh_video():
    """Video analysis: a tracking mesh with the refined lips (the warp follows its lip lines)."""
    return _solutions().face_mesh.FaceMesh(static_image_mode=False, max_num_faces=1,
                                           refine_landmarks=True, min_detection_confidence=0.5,
                                           min_tracking_confidence=0.5)


@cache
def phone_decoder():
    """Transcript-free phone recognition with the shipped English phone language model."""
    from pocketsphinx import Decoder, get_model_path

    return Decoder(allphone=get_model_path("en-us/en-us-phone.lm.bin"), beam=1e-20,
                   pbeam=1e-20, lw=2.0, pip=0.3, samprate=16000, loglevel="FATAL")


def warm_up() -> None:
    """Load every model now (a worker may call this at start; benchmarks do)."""
    with lock, phone_lock:
        face_detector()
        face_mesh_static()
        face_mesh_tracking(0)
        face_mesh_video()
        phone_decoder()
