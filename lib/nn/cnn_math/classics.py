"""The classics: history and ideas of LeNet-5, AlexNet and VGG (the Architectures page's prose)."""

from __future__ import annotations

from dataclasses import dataclass

# --------------------------------------------------------------------------------------------------
# The classics: history and ideas (Architectures page)
# --------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class ArchitectureInfo:
    """What the Architectures page tells about one classic network."""

    title: str
    year: int
    authors: str
    preset: str  # key in PRESETS, as taught
    torchvision_preset: str | None  # key in PRESETS of torchvision's version, when it differs or exists
    story: str  # markdown: history and ideas


ARCHITECTURES: dict[str, ArchitectureInfo] = {
    "lenet5": ArchitectureInfo(
        title="LeNet-5",
        year=1998,
        authors="Yann LeCun, Léon Bottou, Yoshua Bengio, Patrick Haffner",
        preset="lenet5",
        torchvision_preset=None,
        story="""
Built to read handwritten digits — bank cheques and US ZIP codes — and one of the first CNNs used in production.
Seven layers: three convolutions (C1, C3, C5), two subsampling layers (S2, S4) and two dense layers (F6 and the
output) — five of them with weights. The "5" is not a layer count: it is the fifth of LeCun's LeNet designs
(LeNet-1 to LeNet-5, from 1989 on).

- **Convolution + subsampling, alternating**: each 5×5 convolution finds local patterns, each 2×2 average
  pool halves the map; by C5 a 32×32 digit has become 120 numbers (1×1×120).
- **Shared weights**: one 5×5 kernel per map, slid everywhere — a few thousand weights instead of millions.
- **tanh** activations and **average pooling**: ReLU had not been adopted yet.
- The paper's S2/S4 also had a trainable scale and bias per map, C3 was connected to only some S2 maps and
  the output was a layer of RBF units; the version taught (and here) uses full connections: **61,706** parameters.
- 32×32 input: MNIST's 28×28 digits padded by 2 pixels so strokes reach the centre of the top detectors.
""",
    ),
    "alexnet": ArchitectureInfo(
        title="AlexNet",
        year=2012,
        authors="Alex Krizhevsky, Ilya Sutskever, Geoffrey Hinton",
        preset="alexnet",
        torchvision_preset="alexnet_torchvision",
        story="""
Won ImageNet (ILSVRC) 2012 with a top-5 error of 16.4 % (15.3 % with extra pre-training) when the runner-up
had 26.2 % — the moment deep learning took over computer vision. Eight weight layers: five convolutions,
three dense layers; 1000 ImageNet classes.

- **ReLU** instead of tanh: no saturation, training several times faster.
- **Dropout** (p = 0.5) on the outputs of the first two dense layers (fc6, fc7), against overfitting
  60 million parameters (torchvision, and the table here, put the two Dropouts just before fc6 and fc7 instead).
- **Local Response Normalisation** after conv1 and conv2: each value is divided by a sum of squares over its
  5 neighbouring channels at the same pixel — across channels, not element by element (now replaced by BatchNorm).
- **Overlapping max pooling**: 3×3 windows with stride 2.
- **Two GPUs** (GTX 580, 3 GB each): conv2, conv4 and conv5 saw only their own GPU's half of the channels —
  `groups=2` in PyTorch, 60,965,224 parameters; the one-tower version taught has 62,378,344.
- **Data augmentation**: random crops, horizontal flips, PCA colour noise.
- **227, not 224**: the paper says 224×224, but (224 − 11)/4 + 1 is not a whole number; 227 tiles exactly.
  torchvision follows Krizhevsky's 2014 "one weird trick" variant: 64-192-384-256-256 channels, padding 2
  on a 224 input, and an adaptive average pool so other sizes work.
- **The course's Keras AlexNet** (150×150 flowers, BatchNorm for LRN, 2 classes): the maps go
  150 → 35 → 17 → 17 → 8 → 8 → 3, so Flatten gives 3×3×256 = **2,304** values, not the notes' 16,384
  (8×8×256 skips the last pool), and the model has **29,978,690** trainable parameters. Compare it below.
""",
    ),
    "vgg16": ArchitectureInfo(
        title="VGG16",
        year=2014,
        authors="Karen Simonyan, Andrew Zisserman (Visual Geometry Group, Oxford)",
        preset="vgg16",
        torchvision_preset="vgg16",
        story="""
Second in ImageNet classification 2014 (first in localisation) with about 7.3 % top-5 error — and the most
copied design for years because it is so regular. 13 convolutions + 3 dense layers = 16 weight layers.

- **Only 3×3 convolutions**, stride 1, padding 1: the size is kept inside a block.
- **Blocks closed by 2×2 max pooling, stride 2**: five pools take 224 down to 7; the channels double
  (64 → 128 → 256 → 512) as the maps halve.
- **Why stacks of 3×3**: two 3×3 layers see 5×5 pixels, three see 7×7 — the same field as one big kernel —
  with fewer weights (2·9 = 18 vs 25 per channel pair; 27 vs 49) and an extra ReLU in between.
- **138,357,544 parameters**, 102,764,544 of them in fc6 (25,088 × 4,096 + 4,096); 15.5 G multiply-adds
  per image.
- Configurations A–E in the paper have 11 to 19 weight layers (C uses 1×1 convolutions); D is VGG16.
""",
    ),
    "vgg19": ArchitectureInfo(
        title="VGG19",
        year=2014,
        authors="Karen Simonyan, Andrew Zisserman (Visual Geometry Group, Oxford)",
        preset="vgg19",
        torchvision_preset="vgg19",
        story="""
Configuration E of the VGG paper: VGG16 with one more 3×3 convolution in each of blocks 3, 4 and 5 —
16 convolutions + 3 dense layers = 19 weight layers, **143,667,240** parameters. The extra depth bought
little accuracy over VGG16 for 27 % more computation; going deeper needed a new idea (ResNet's shortcuts,
2015). The ResNet paper's reason is *degradation*: a deeper plain network trains to a higher training error
than a shallower one — not overfitting, and not vanishing gradients, which careful initialisation and
BatchNorm had largely solved.

- Same recipe: 3×3 convolutions, padding 1; 2×2 max pooling, stride 2; 4096-4096-1000 dense head.
- Its receptive field at pool5 is 268 pixels — wider than the 224 input.
""",
    ),
}
