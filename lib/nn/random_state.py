"""torch's global random state, which every session of the server shares.

Building a module draws its first weights from torch's one global generator, and the course seeds that
generator with torch.manual_seed. Two sessions doing either at the same moment interleave their draws: a
seeded model starts from other weights and trains to another accuracy (1–2 of 10 classroom trainings did,
benchmarks/trainings.py). So every block in lib that seeds the generator or builds a module holds this one
lock, inside torch.random.fork_rng, which leaves the state outside the block as it was.
"""

from __future__ import annotations

import threading

GLOBAL_RNG_LOCK = threading.RLock()  # re-entrant: a seeded block may build a model that takes it again
