"""A tensor shape typed as text ("3, 4", "(2, 3, 4)", "3×4") read as a tuple of sizes."""

from __future__ import annotations

MAX_DIMS = 4
MAX_SIDE = 100_000


def parse_shape(text: str) -> tuple[int, ...]:
    """'3, 4' or '(3, 4)' -> (3, 4); ValueError with a message for anything else."""
    cleaned = text.strip().strip("()[]").replace("×", ",").replace("x", ",")
    parts = [part.strip() for part in cleaned.split(",") if part.strip()]
    if not parts or len(parts) > MAX_DIMS or not all(part.lstrip("-").isdigit() for part in parts):
        raise ValueError(
            f"write a shape as up to 4 whole numbers separated by commas, e.g. 3, 4 (got {text!r})"
        )
    shape = tuple(int(part) for part in parts)
    if any(side < 1 or side > MAX_SIDE for side in shape if side != -1):
        raise ValueError(f"every size must be between 1 and 100,000 (or -1 for 'work it out'), got {shape}")
    return shape
