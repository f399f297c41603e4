import * as tf from "@tensorflow/tfjs";

/**
 * The reference CNN of the speed target (issue 3): conv 32 3x3 relu, maxpool 2, conv 64 3x3 relu,
 * maxpool 2, dense 128 relu, dense 10 (logits). Seeded initialisation: the same seed gives the same weights.
 */
export function referenceCnn(seed: number, inputShape: [number, number, number] = [28, 28, 1], classes = 10): tf.Sequential {
  let s = seed;
  const init = () => tf.initializers.glorotUniform({ seed: s++ });
  return tf.sequential({
    layers: [
      tf.layers.conv2d({ inputShape, filters: 32, kernelSize: 3, activation: "relu", kernelInitializer: init() }),
      tf.layers.maxPooling2d({ poolSize: 2 }),
      tf.layers.conv2d({ filters: 64, kernelSize: 3, activation: "relu", kernelInitializer: init() }),
      tf.layers.maxPooling2d({ poolSize: 2 }),
      tf.layers.flatten(),
      tf.layers.dense({ units: 128, activation: "relu", kernelInitializer: init() }),
      tf.layers.dense({ units: classes, kernelInitializer: init() }),
    ],
  });
}
