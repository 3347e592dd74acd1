"""Models that see: our own trained weights and torchvision's ImageNet models, loaded safely, and classify.

Our weights (weights/*.pt) are state dicts listed in weights/manifest.json with their sha256; they are
loaded with torch.load(..., weights_only=True) only after the sha256 matches, so a file with a pickle
payload, a wrong architecture, a truncated file or a wrong checksum is refused with a ModelError.
torchvision's ImageNet models come through their weights enums: usable when the weights are in the torch
hub cache, or downloadable; offline they raise a ModelError that says so.

The package, one module per idea (every public name is importable from the package itself):

  registry       which models; architectures; the manifest; safe loading; torchvision weights; load_model
  session        CNNs trained in a session, described by an entry (config, classes, state dict)
  checkpoint     such a CNN as one file (a checkpoint) and back: checked, loaded with weights_only=True
  training_data  the digits data our LeNet is trained on (shared by the scripts and the tests)
  preprocessing  what each model is given, step by step (digits, shapes, ImageNet)
  prediction     predict / classify: one forward pass, softmax, top-k; a label on an image
  digits         several digits in one image: their boxes, and what was read drawn on it
  snippets       the Code panels' programs: build a model, prepare the image, classify
"""

from lib.nn.models.checkpoint import (
    CHECKPOINT_FORMAT,
    CHECKPOINT_VERSION,
    MAX_CHECKPOINT_BYTES,
    MAX_PARAMETERS,
    checkpoint_bytes,
    checkpoint_of,
    config_parameters,
    read_checkpoint,
)
from lib.nn.models.digits import (
    draw_readings,
    find_digits,
)
from lib.nn.models.prediction import (
    Prediction,
    classify,
    label_image,
    predict,
)
from lib.nn.models.preprocessing import (
    DIGIT_STROKE,
    Preprocessed,
    digit_steps,
    imagenet_steps,
    normalize,
    preprocess,
    shapes_steps,
    stroke_width,
    thicken_strokes,
)
from lib.nn.models.registry import (
    ALL_MODELS,
    DIGIT_CELLS,
    DIGIT_CLASSES,
    DIGIT_SIDE,
    DOWNLOAD_HOST,
    MANIFEST_ARCHITECTURES,
    MANIFEST_NAME,
    OUR_MODELS,
    OUR_TITLES,
    SHAPES_SIDE,
    TORCHVISION_MODELS,
    WEIGHTS_DIR,
    ModelError,
    ModelInfo,
    TorchvisionEntry,
    available_models,
    build_architecture,
    cached_weights_path,
    check_manifest_architecture,
    download_weights,
    get_model,
    hub_checkpoints_dir,
    load_model,
    load_state_dict_bytes,
    load_state_into,
    model_device,
    model_info,
    network_reachable,
    read_manifest,
    sha256_bytes,
    warm_thread,
    write_manifest_entry,
)
from lib.nn.models.session import (
    TRAINED_SOURCE,
    TRAINED_WEIGHTS_FILE,
    state_dict_digest,
    trained_model_config,
    trained_model_info,
)
from lib.nn.models.snippets import (
    classify_snippet,
    model_snippet_parts,
)
from lib.nn.models.training_data import (
    digits_split,
    upscale_digits,
)

__all__ = [
    "CHECKPOINT_FORMAT",
    "CHECKPOINT_VERSION",
    "MAX_CHECKPOINT_BYTES",
    "MAX_PARAMETERS",
    "checkpoint_bytes",
    "checkpoint_of",
    "config_parameters",
    "read_checkpoint",
    "MANIFEST_ARCHITECTURES",
    "check_manifest_architecture",
    "ALL_MODELS",
    "DIGIT_CELLS",
    "DIGIT_CLASSES",
    "DIGIT_SIDE",
    "DIGIT_STROKE",
    "DOWNLOAD_HOST",
    "MANIFEST_NAME",
    "ModelError",
    "ModelInfo",
    "OUR_MODELS",
    "OUR_TITLES",
    "Prediction",
    "Preprocessed",
    "SHAPES_SIDE",
    "TORCHVISION_MODELS",
    "TRAINED_SOURCE",
    "TRAINED_WEIGHTS_FILE",
    "TorchvisionEntry",
    "WEIGHTS_DIR",
    "available_models",
    "build_architecture",
    "cached_weights_path",
    "classify",
    "classify_snippet",
    "digit_steps",
    "digits_split",
    "download_weights",
    "draw_readings",
    "find_digits",
    "get_model",
    "hub_checkpoints_dir",
    "imagenet_steps",
    "label_image",
    "load_model",
    "load_state_dict_bytes",
    "load_state_into",
    "model_device",
    "model_info",
    "model_snippet_parts",
    "network_reachable",
    "normalize",
    "predict",
    "preprocess",
    "read_manifest",
    "sha256_bytes",
    "shapes_steps",
    "state_dict_digest",
    "stroke_width",
    "thicken_strokes",
    "trained_model_config",
    "trained_model_info",
    "upscale_digits",
    "warm_thread",
    "write_manifest_entry",
]
