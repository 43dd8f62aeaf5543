import { describe, expect, it } from 'vitest';
import { kd, tempDir } from '../test/kd.js';
import { discoverPlugins, importPlugins } from './plugins/index.js';

describe('plugins of this workspace', () => {
  it('discovers every installed package flagged "kd": {"plugin": true}', () => {
    const names = discoverPlugins().map((p) => p.name);
    expect(names).toEqual(expect.arrayContaining(['@kd/data', '@kd/method-fitnet', '@kd/method-kd', '@kd/models']));
    expect(names).not.toContain('@kd/core');
    expect(names).not.toContain('@kd/runner');
  });

  it('names a plugin that cannot be loaded (e.g. not built) in one line', async () => {
    const err = await importPlugins([
      { name: '@kd/no-such-plugin', version: '0.0.0', dir: '/nowhere', source: 'installed' },
    ]).catch((e: Error) => e);
    expect(err).toBeInstanceOf(Error);
    expect((err as Error).name).toBe('UserError');
    expect((err as Error).message).toMatch(
      /^plugin @kd\/no-such-plugin \(\/nowhere\) cannot be loaded: its entry file is missing — build it \(npx nx run-many -t build\) or remove it$/,
    );
  });
});

describe('kd list', () => {
  const cwd = tempDir('list');

  it('shows both methods with terms and hyperparameters, then architectures and datasets', async () => {
    const r = await kd(['list'], cwd);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/^ {2}kd — Knowledge distillation/m);
    expect(r.stdout).toMatch(/^ {2}fitnet — FitNets/m);
    expect(r.stdout).toMatch(/^ {6}T +number += 4 +Softmax temperature/m);
    expect(r.stdout).toMatch(/^ {6}soft +weight 0\.9/m);
    expect(r.stdout).toMatch(/^ {6}hintEpochs +integer += 5 /m);
    expect(r.stdout).toMatch(/^ {6}connector +"conv-bn-relu"\|"conv-bn"\|"conv" += "conv-bn-relu"/m);
    expect(r.stdout).toMatch(/^ {6}hint +weight 100/m);
    expect(r.stdout.indexOf('Architectures')).toBeGreaterThan(r.stdout.indexOf('fitnet —'));
    expect(r.stdout).toMatch(/^ {2}resnet8 +CIFAR ResNet-8/m);
    expect(r.stdout).toMatch(/^ {2}cnn +Small plain CNN/m);
    expect(r.stdout).toMatch(/^ {2}mnist +MNIST digits/m);
  });

  it('--json gives the same listing as data', async () => {
    const r = await kd(['list', '--json'], cwd);
    expect(r.code).toBe(0);
    const l = JSON.parse(r.stdout);
    expect(l.methods.map((m: { id: string }) => m.id)).toEqual([
      'adain',
      'at',
      'clip',
      'distillvlm',
      'ffsd',
      'fitnet',
      'kd',
      'rvl-bert',
      'vild',
      'vl-pretrain',
      'vlm-kd',
      'wsd-kd',
    ]);
    for (const m of l.methods as { id: string; hparams: { default?: unknown; description: string }[] }[]) {
      expect(
        m.hparams.every((h) => h.description.length > 0),
        m.id,
      ).toBe(true);
    }
    const kdm = l.methods.find((m: { id: string }) => m.id === 'kd');
    expect(kdm.paper.year).toBe(2015);
    expect(kdm.terms).toEqual([expect.objectContaining({ name: 'soft', defaultWeight: 0.9 })]);
    expect(kdm.hparams).toEqual([expect.objectContaining({ name: 'T', type: 'number', default: 4 })]);
    const fit = l.methods.find((m: { id: string }) => m.id === 'fitnet');
    expect(fit.hparams.map((h: { name: string }) => h.name)).toEqual([
      'studentTap',
      'teacherTap',
      'connector',
      'hintEpochs',
    ]);
    expect(fit.hparams.every((h: { description: string }) => h.description.length > 0)).toBe(true);
    expect(l.architectures.map((a: { id: string }) => a.id)).toEqual(
      expect.arrayContaining(['cnn', 'resnet8', 'resnet20', 'wrn', 'wsddn', 'roi-classifier', 'rvl-bert']),
    );
    expect(l.datasets.map((d: { id: string }) => d.id)).toEqual([
      'captioned',
      'fashion-mnist',
      'image-folder',
      'mnist',
      'mnist+fashion-mnist',
      'scene-captions',
      'scene-vqa',
      'scenes',
    ]);
    expect(l.plugins.map((p: { name: string }) => p.name)).toEqual([
      '@kd/data',
      '@kd/method-adain',
      '@kd/method-at',
      '@kd/method-clip',
      '@kd/method-distillvlm',
      '@kd/method-ffsd',
      '@kd/method-fitnet',
      '@kd/method-kd',
      '@kd/method-rvl-bert',
      '@kd/method-vild',
      '@kd/method-vl-pretrain',
      '@kd/method-vlm-kd',
      '@kd/method-wsd-kd',
      '@kd/models',
      '@kd/tasks',
      '@kd/text',
    ]);
    expect(l.tasks.map((t: { id: string }) => t.id)).toEqual(
      expect.arrayContaining([
        'classification',
        'multi-label',
        'relationships',
        'triple-verification',
        'vqa',
        'captioning',
      ]),
    );
    expect(l.tasks.find((t: { id: string }) => t.id === 'multi-label')).toMatchObject({
      primary: 'mAP',
      terms: [expect.objectContaining({ name: 'bce' })],
    });
  });
});

describe('npm run -s kd -- … --json (the documented way to script kd in this repository)', () => {
  it('prints only JSON on stdout', async () => {
    const { execFile } = await import('node:child_process');
    const { dirname, join } = await import('node:path');
    const { fileURLToPath } = await import('node:url');
    const root = join(dirname(fileURLToPath(import.meta.url)), '..', '..', '..');
    const stdout = await new Promise<string>((done, fail) =>
      execFile('npm', ['run', '-s', 'kd', '--', 'list', '--json'], { cwd: root, maxBuffer: 16 << 20 }, (e, out) =>
        e ? fail(e) : done(out),
      ),
    );
    const listing = JSON.parse(stdout) as { methods: { id: string }[] };
    expect(listing.methods.map((m) => m.id)).toContain('kd');
  });
});
