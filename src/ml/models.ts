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

/**
 * A deeper CNN (two 3x3 convolutions before each pooling, as in VGG, and a wider dense layer): about 4x
 * the reference CNN's arithmetic for a stronger MNIST classifier. Everything in it trains through ONNX Runtime.
 */
export function deepCnn(seed: number, inputShape: [number, number, number] = [28, 28, 1], classes = 10): tf.Sequential {
  let s = seed;
  const init = () => tf.initializers.glorotUniform({ seed: s++ });
  const conv = (filters: number, first = false) => tf.layers.conv2d({ ...(first ? { inputShape } : {}), filters, kernelSize: 3, activation: "relu", kernelInitializer: init() });
  return tf.sequential({
    layers: [
      conv(32, true),
      conv(32),
      tf.layers.maxPooling2d({ poolSize: 2 }),
      conv(64),
      conv(64),
      tf.layers.maxPooling2d({ poolSize: 2 }),
      tf.layers.flatten(),
      tf.layers.dense({ units: 256, activation: "relu", kernelInitializer: init() }),
      tf.layers.dense({ units: classes, kernelInitializer: init() }),
    ],
  });
}
