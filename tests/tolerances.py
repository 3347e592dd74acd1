"""Every numeric tolerance the tests use, in one place."""

# float32 correlation vs cv2.filter2D (same arithmetic, different summation order)
KERNEL_ATOL = 1e-3
# torch float32 vs OpenCV on 0..255 data
TORCH_VS_CV_ATOL = 1e-2
# uint8 results that may differ by rounding (colour conversions, resampling)
UINT8_ATOL = 1
# probabilities / softmax sums
PROB_ATOL = 1e-5
# feature-extraction activations vs a plain forward pass
ACTIVATION_ATOL = 1e-5
# transform matrices from point pairs vs hand-worked values (float32 points, float64 solve)
MATRIX_ATOL = 1e-6
# float32 sums of k*k products in a different order: error relative to sum(|kernel|) * max(|image|)
FLOAT32_SUM_RTOL = 1e-5
# circularity 4*pi*A/P^2 of a drawn (pixelated) disc vs the ideal 1: pixel contours overestimate P (~0.89)
CIRCULARITY_ATOL = 0.15
# uint8 RGB -> HSV -> RGB round trip (hue is stored in 2-degree steps): largest per-channel error
HSV_ROUND_TRIP_ATOL = 6
# k-means on a downscaled preview vs on every pixel: cluster shares (fraction) and centres (uint8 levels)
KMEANS_PREVIEW_SHARE_ATOL = 0.03
KMEANS_PREVIEW_PALETTE_ATOL = 16
# a trained model's accuracy on a held-out subset (~200 images) vs its recorded test accuracy: ~3 std errors
SUBSET_ACCURACY_MARGIN = 0.05
# float32 standard scaling: mean 0 and std 1 of scaled columns, recomputed in float32
STANDARDISED_ATOL = 1e-4
# the same training run in our trainer and in its exec'd snippet (thread counts change float32 summation order)
TRAINING_REPRO_RTOL = 1e-4
# a small network's prediction of a perfectly linear target (y = 3x + 2, x in [-1, 1]) after 300 epochs
LINEAR_FIT_ATOL = 0.15
# LeNet on digits drawn on the 280x280 canvas (mouse-like polylines; cv2.putText digits), page's path
DRAWN_DIGIT_ACCURACY = 0.95
FONT_DIGIT_ACCURACY = 0.85
# floats a downloaded Code-panel script writes (result.json) vs the page's own: the same computation in another
# process (thread count, device); a training run compares its final loss / accuracy within TRAINING_REPRO_RTOL
PROGRAM_FLOAT_RTOL = TRAINING_REPRO_RTOL
PROGRAM_FLOAT_ATOL = PROB_ATOL
# an out-of-distribution threshold recomputed from its data vs the one recorded (rounded to 6 decimals; float32
# features summed in another order)
OOD_THRESHOLD_ATOL = 1e-4
