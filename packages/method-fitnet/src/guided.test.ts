import { describe, expect, it } from 'vitest';
import { prefixesUpTo } from './guided.js';

// Variable paths as laid out by @kd/models (abridged to the first block of each stage).
const resnet = [
  'conv1.weight',
  'bn1.gamma',
  'bn1.beta',
  'layer1.0.conv1.weight',
  'layer1.0.bn1.gamma',
  'layer1.0.conv2.weight',
  'layer1.0.bn2.beta',
  'layer2.0.conv1.weight',
  'layer2.0.downsample.0.weight',
  'layer2.0.downsample.1.gamma',
  'layer3.0.conv1.weight',
  'layer3.0.bn2.gamma',
  'fc.weight',
  'fc.bias',
];
const wrn = [
  'conv1.weight',
  'block1.layer.0.bn1.gamma',
  'block1.layer.0.conv1.weight',
  'block1.layer.0.bn2.gamma',
  'block1.layer.0.conv2.weight',
  'block2.layer.0.bn1.gamma',
  'block2.layer.0.conv1.weight',
  'block2.layer.1.bn1.gamma',
  'block3.layer.0.bn1.gamma',
  'block3.layer.0.conv1.weight',
  'bn1.gamma',
  'bn1.beta',
  'fc.weight',
];
const cnn = ['conv1.weight', 'bn1.gamma', 'conv2.weight', 'bn2.gamma', 'conv3.weight', 'bn3.gamma', 'fc.weight'];

describe('prefixesUpTo (path-layout fallback)', () => {
  it('CIFAR ResNet: stem + layer1..K', () => {
    expect(prefixesUpTo('stage2', resnet)).toEqual(['conv1', 'bn1', 'layer1', 'layer2']);
    expect(prefixesUpTo('stage1.pre', resnet)).toEqual(['conv1', 'bn1', 'layer1']);
    expect(prefixesUpTo('stem', resnet)).toEqual(['conv1', 'bn1']);
    expect(prefixesUpTo('stage4', resnet)).toBeUndefined();
  });

  it('WRN: stem + block1..K + the BN that activates stage K', () => {
    expect(prefixesUpTo('stage2', wrn)).toEqual(['conv1', 'block1', 'block2', 'block3.layer.0.bn1']);
    expect(prefixesUpTo('stage3', wrn)).toEqual(['conv1', 'block1', 'block2', 'block3', 'bn1']);
    expect(prefixesUpTo('stem', wrn)).toEqual(['conv1']);
  });

  it('small CNN: conv/bn 1..K', () => {
    expect(prefixesUpTo('stage2', cnn)).toEqual(['conv1', 'conv2', 'bn1', 'bn2']);
    expect(prefixesUpTo('stem', cnn)).toBeUndefined();
  });

  it('unknown taps or layouts give undefined', () => {
    expect(prefixesUpTo('embedding', resnet)).toBeUndefined();
    expect(prefixesUpTo('stage2', ['encoder.0.weight', 'head.weight'])).toBeUndefined();
  });
});
