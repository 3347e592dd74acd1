"""Server CPU per rerun of the Playground tab's live loop (Train a network), under AppTest.

    python benchmarks/playground.py            # the default network, then 4 layers of 8 ReLU on the spiral

Presses Train, then reruns the page a dozen times as the fragment's timer would, and prints the median thread
CPU time of one rerun's training (whole epochs, capped by PLAYGROUND_FRAME_CPU) and of its drawing (metrics,
boundary, neuron maps, curves), as the fragment records them in session state.
"""

from __future__ import annotations

import statistics
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from streamlit.testing.v1 import AppTest  # noqa: E402

from ui.sections.train_network import PLAYGROUND_FRAME_SECONDS  # noqa: E402

CASES = {
    "circle, 4-2 tanh (defaults)": {},
    "spiral, 8-8-8-8 ReLU": {"pg_data": "Spiral", "pg_layers": 4, "pg_act": "relu"}
    | {f"pg_n{layer}": 8 for layer in range(1, 5)},
}


def main(reruns: int = 12) -> None:
    for name, state in CASES.items():
        app = AppTest.from_file(str(ROOT / "app_pages/train_network.py"), default_timeout=120)
        for key, value in ({"tn_part": "Playground", "pg_max": 5000} | state).items():
            app.session_state[key] = value
        app.run()
        app.button(key="pg_train").click().run()
        train, draw, epochs = [], [], []
        for _ in range(reruns):
            before = app.session_state["pg_run"]["trainer"].epoch
            app.run()
            run = app.session_state["pg_run"]
            train.append(run["frame_cpu"])
            draw.append(run["draw_cpu"])
            epochs.append(run["trainer"].epoch - before)
        total = statistics.median(train) + statistics.median(draw)
        print(
            f"{name}: per rerun {statistics.median(epochs):.0f} epochs, training {statistics.median(train) * 1e3:.0f} ms"
            f" + drawing {statistics.median(draw) * 1e3:.0f} ms of CPU (median of {reruns}); one rerun every"
            f" {PLAYGROUND_FRAME_SECONDS} s: {total / PLAYGROUND_FRAME_SECONDS:.0%} of a core per training student"
        )


if __name__ == "__main__":
    main()
