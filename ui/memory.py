"""Keep Streamlit's garbage collection after every run cheap: freeze what the imports created.

Streamlit runs a full gc.collect() after every script run, so memory cannot build up between runs. With
numpy, OpenCV, pandas, plotly and torch loaded, most of the objects it walks are those libraries' own
(modules, functions, classes), which live as long as the process: walking them cost more server CPU than
the page itself (py-spy: about 50 ms of the 72 ms a slider move cost on Colour thresholding). When modules
were imported since the last time, the next run starts by collecting once and moving every survivor to the
GC's permanent generation (gc.freeze), so later collections walk only what runs create.

Frozen objects are never collected, so the freeze happens at the start of a run, before the page runs: the
last run's page namespace (its images, held in reference cycles) has been collected by then, not frozen.
It happens a handful of times per process, once per page whose imports were new.
"""

from __future__ import annotations

import gc
import sys
import threading

_lock = threading.Lock()
_modules_frozen = 0  # len(sys.modules) at the last freeze


def freeze_new_imports() -> bool:
    """Collect and gc.freeze() if modules were imported since the last call; True when it froze."""
    global _modules_frozen
    if len(sys.modules) == _modules_frozen:
        return False
    with _lock:
        if len(sys.modules) == _modules_frozen:
            return False
        gc.collect()
        gc.freeze()
        _modules_frozen = len(sys.modules)
    return True
