// The benchmark workloads shared by train-step.mjs, profile-step.mjs and memory.mjs.
export const WORKLOADS = {
  resnet20: { arch: 'resnet20', options: { width: 16 }, batch: 128, shape: [28, 28, 1] },
  resnet8: { arch: 'resnet8', options: { width: 16 }, batch: 128, shape: [28, 28, 1] },
  // the quickstart student (conv–BN–ReLU ×3 with max-pools), width 16
  cnn: { arch: 'cnn', options: { width: 16 }, batch: 128, shape: [28, 28, 1] },
  // 4 layers, d 128, 4 heads, FFN 512 (the architecture's defaults), 48 tokens of 32 features
  transformer: { arch: 'transformer', options: {}, batch: 64, shape: [48, 32] },
};
