"""Seeded idle life for image modes: blinks, small head motion, breathing.

Everything comes from one numpy Generator seeded by the job's seed, so the same seed gives the
same frames. Head motion is a sum of slow sinusoids (rotation about the neck, a small drift) plus a
little nod that follows the voice; breathing lifts the shoulders and the head by a pixel or two.
The head's motion is applied through a smooth weight (1 on the head, 0 a little away from it), so
the background barely bends and far from the head nothing moves.
"""

from __future__ import annotations

from dataclasses import dataclass

import cv2
import numpy as np

BLINK_FRAMES_S = 0.16  # seconds a blink takes
_STEP = 4


@dataclass
class IdleTrack:
    blink: np.ndarray  # (frames,) 0 open .. 1 closed
    angle: np.ndarray  # radians
    shift: np.ndarray  # (frames, 2), in face sizes
    breath: np.ndarray  # -1 .. 1


def idle_track(rng: np.random.Generator, frames: int, fps: float,
               level: np.ndarray | None = None) -> IdleTrack:
    t = np.arange(frames) / fps
    blink = np.zeros(frames, np.float32)
    at = rng.uniform(0.5, 2.5)
    duration = BLINK_FRAMES_S
    end = t[-1] + 1 if frames else 0.0
    while at < end:
        phase = (t - at) / duration
        blink = np.maximum(blink, np.clip(1 - np.abs(phase * 2 - 1), 0, 1) ** 0.7
                           * ((phase >= 0) & (phase <= 1)))
        at += rng.uniform(2.0, 5.5)
    angle = _wander(rng, t, np.deg2rad(1.1))
    shift = np.stack([_wander(rng, t, 0.006), _wander(rng, t, 0.004)], axis=1)
    if level is not None and len(level) == frames:
        nod = np.convolve(level, np.ones(9) / 9, mode="same")
        shift[:, 1] += 0.006 * nod
    breath = np.sin(2 * np.pi * (t / rng.uniform(3.6, 4.6) + rng.uniform(0, 1)))
    return IdleTrack(blink.astype(np.float32), angle.astype(np.float32),
                     shift.astype(np.float32), breath.astype(np.float32))


def _wander(rng: np.random.Generator, t: np.ndarray, amplitude: float) -> np.ndarray:
    total = np.zeros_like(t)
    for _ in range(3):
        frequency = rng.uniform(0.07, 0.35)
        total += np.sin(2 * np.pi * frequency * t + rng.uniform(0, 2 * np.pi)) / 3
    return amplitude * total


class HeadField:
    """The backward displacement the head and body motion make at each pixel of a region."""

    def __init__(self, frame_shape, face_box, chin_y: float) -> None:
        height, width = frame_shape[:2]
        x0, y0, x1, y1 = face_box
        self.size = max(x1 - x0, y1 - y0)
        self.center = np.array([(x0 + x1) / 2, (y0 + y1) / 2 - 0.1 * (y1 - y0)], np.float32)
        self.pivot = np.array([(x0 + x1) / 2, y1 + 0.15 * (y1 - y0)], np.float32)
        radius_x, radius_y = 0.8 * (x1 - x0), 0.95 * (y1 - y0)
        self.radius = np.array([radius_x, radius_y], np.float32)
        # The region where anything moves: around the head and, for breathing, below the chin.
        bx0 = int(max(0, self.center[0] - 1.7 * radius_x))
        bx1 = int(min(width, self.center[0] + 1.7 * radius_x))
        by0 = int(max(0, self.center[1] - 1.7 * radius_y))
        self.box = (bx0, by0, bx1, height)
        # The field is smooth: computed on a grid of every 4th pixel, then resized.
        self.full_size = (bx1 - bx0, height - by0)
        step = _STEP
        ys, xs = np.mgrid[by0:height + step:step, bx0:bx1 + step:step].astype(np.float32)
        self.xs, self.ys = xs, ys
        distance = np.sqrt(((xs - self.center[0]) / radius_x) ** 2
                           + ((ys - self.center[1]) / radius_y) ** 2)
        self.head_weight = _fade(distance, 1.0, 1.6)
        below = np.clip((ys - chin_y) / (0.4 * (y1 - y0)), 0, 1)
        sideways = _fade(np.abs(xs - self.center[0]) / (1.6 * radius_x), 0.6, 1.0)
        self.body_weight = below * sideways

    def displacement(self, angle: float, shift: np.ndarray, breath: float
                     ) -> tuple[np.ndarray, np.ndarray]:
        """(dx, dy) over self.box: add to a pixel to find where it was in the source."""
        cos, sin = np.cos(angle), np.sin(angle)
        rel_x, rel_y = self.xs - self.pivot[0], self.ys - self.pivot[1]
        lift = 0.004 * self.size * breath
        move_x = cos * rel_x - sin * rel_y + self.pivot[0] + shift[0] * self.size - self.xs
        move_y = sin * rel_x + cos * rel_y + self.pivot[1] + shift[1] * self.size - lift - self.ys
        dx = -self.head_weight * move_x
        dy = -self.head_weight * move_y + self.body_weight * lift
        return _upscale(dx, self.full_size), _upscale(dy, self.full_size)

    def move_points(self, points: np.ndarray, angle: float, shift: np.ndarray,
                    breath: float) -> np.ndarray:
        """Where landmarks go (forward), with the weight at each landmark."""
        cos, sin = np.cos(angle), np.sin(angle)
        rel = points - self.pivot
        lift = 0.004 * self.size * breath
        moved = np.stack([cos * rel[:, 0] - sin * rel[:, 1], sin * rel[:, 0] + cos * rel[:, 1]],
                         axis=1) + self.pivot + shift * self.size - [0, lift]
        distance = np.sqrt((((points - self.center) / self.radius) ** 2).sum(axis=1))
        weight = _fade(distance, 1.0, 1.6)[:, None]
        return (points + weight * (moved - points)).astype(np.float32)


def _upscale(values: np.ndarray, size: tuple[int, int]) -> np.ndarray:
    """The coarse grid's values at every pixel (the field is smooth: linear resizing is enough)."""
    return cv2.resize(values.astype(np.float32), size, interpolation=cv2.INTER_LINEAR)


def _fade(distance: np.ndarray, inner: float, outer: float) -> np.ndarray:
    t = np.clip((outer - distance) / (outer - inner), 0, 1)
    return (t * t * (3 - 2 * t)).astype(np.float32)
