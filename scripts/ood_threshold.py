"""Choose each model's out-of-distribution threshold on held-out data -> weights/manifest.json and README.md.

    python scripts/ood_threshold.py [lenet_digits shapes_cnn]

The score (lib.nn.ood): 1 - cosine similarity between an input's conv features (the flattened input of the
first linear layer) and those of the nearest reference training image. The threshold keeps 95 % of the
model's held-out in-distribution images (its manifest test_split). Also measured, on what the model must
refuse (the bundled sample photos preprocessed as the Classifier page does, the other model's data, noise,
flat images): the AUROC of this score and of the softmax-only scores (energy, max-softmax), and the fraction
of each group called far. Re-run after retraining: the threshold depends on the weights.
"""

from __future__ import annotations

import sys

import torch
from weights_record import record_ood

from lib.cv.images import fit_to_working_size
from lib.nn import ood
from lib.nn.models import OUR_MODELS, load_model, read_manifest
from samples import SAMPLES, load_sample

HELD_OUT = {
    "lenet_digits": "the digits split's 360 held-out test digits (sklearn load_digits, 20 %, seed 0)",
    "shapes_cnn": "the 1000 held-out test shapes (make_shapes, 200 per class, seed 1)",
}
REFERENCE = {
    "lenet_digits": "the 1437 training digits and the first 10 drawings per style of the drawn training digits",
    "shapes_cnn": "the first 200 per class of the training shapes (make_shapes seed 0)",
}


def sample_photos() -> dict:
    """The bundled samples (the digits sheet aside) at the working size, RGB, as the page's Current image."""
    photos = {}
    for key in SAMPLES:
        if key == "digits":
            continue
        image = fit_to_working_size(load_sample(key))
        photos[key] = image if image.ndim == 3 else image[:, :, None].repeat(3, axis=2)
    return photos


def main() -> None:
    torch.set_num_threads(2)
    photos = sample_photos()
    for name in sys.argv[1:] or list(OUR_MODELS):
        choose_threshold(name, photos)


def choose_threshold(name: str, photos: dict | None = None) -> None:
    """Calibrate one model and record its threshold in weights/manifest.json and weights/README.md."""
    photos = photos if photos is not None else sample_photos()
    entry = read_manifest()[name]
    model = load_model(name, device=torch.device("cpu"))
    calibration = ood.calibrate(
        model,
        ood.reference_inputs(name, entry),
        ood.held_out_inputs(name, entry),
        ood.out_of_distribution_inputs(name, photos),
    )
    record = calibration.manifest_entry(reference=REFERENCE[name], held_out=HELD_OUT[name])
    far = ", ".join(f"{group} {value:.0%}" for group, value in calibration.far_fraction.items())
    area = calibration.auroc
    section = f"""### {name}: out-of-distribution threshold

- Score: {ood.SCORE_NAME} (`lib.nn.ood`), against {REFERENCE[name]}.
- Threshold **{calibration.threshold:.4f}**: keeps {calibration.keep:.0%} of {HELD_OUT[name]}; above it the
  Classifier page says "{ood.KNOWS[name]}" instead of an answer.
- AUROC, held-out data vs what the model must refuse: nearest-image distance **{area["nearest"]:.3f}**,
  energy (−logsumexp of the logits) {area["energy"]:.3f}, max-softmax {area["max_softmax"]:.3f}.
- Called far: {far}.
- Command: `python scripts/ood_threshold.py {name}`.
"""
    record_ood(name, record, section)
    print(f"{name}: threshold {calibration.threshold:.4f}; AUROC {area}; far {far}")


if __name__ == "__main__":
    main()
