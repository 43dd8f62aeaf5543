import { execFile } from 'node:child_process';
import { readFileSync, symlinkSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { tempDir, writeFile } from '../test/kd.js';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..', '..');
const README = readFileSync(join(ROOT, 'README.md'), 'utf8');

/** The fenced block of the README whose first line is `firstLine`. */
function block(lang: string, firstLine: string): string {
  const m = README.match(
    new RegExp('```' + lang + '\\n(' + firstLine.replace(/[.*+?^${}()|[\]\\]/g, '\\$&') + '\\n[\\s\\S]*?)```'),
  );
  if (!m) throw new Error(`README.md has no \`\`\`${lang} block starting with ${firstLine}`);
  return m[1]!;
}

function exec(
  file: string,
  args: readonly string[],
  cwd: string,
): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((done) =>
    execFile(file, args, { cwd, timeout: 240_000, maxBuffer: 64 << 20 }, (e, stdout, stderr) =>
      done({ code: e ? (typeof e.code === 'number' ? e.code : 1) : 0, stdout, stderr }),
    ),
  );
}

/**
 * The README's "kd from code" example, compiled with its tsconfig and run in a project of its own
 * (here kd comes from this workspace; apps/install-test does the same in a project that installed
 * kd from a registry).
 */
describe('README: kd from code (the TypeScript example, compiled and run)', () => {
  it('compiles with the documented tsconfig and runs: events, the summary, a sweep table', async () => {
    const dir = tempDir('readme-api');
    symlinkSync(join(ROOT, 'node_modules'), join(dir, 'node_modules'), 'dir');
    writeFile(dir, 'package.json', JSON.stringify({ name: 'my-kd', private: true, type: 'module' }));
    const tsconfig = README.match(/`(\{"compilerOptions": [^`]*\})`/)?.[1];
    expect(tsconfig, 'the README names the tsconfig').toBeDefined();
    writeFile(dir, 'tsconfig.json', tsconfig!);
    writeFile(dir, 'tiny.yaml', block('yaml', '# tiny.yaml'));
    writeFile(dir, 'train.ts', block('ts', '// train.ts'));

    const tsc = await exec(process.execPath, [join(ROOT, 'node_modules', 'typescript', 'bin', 'tsc'), '-p', dir], dir);
    expect(tsc.stdout + tsc.stderr).toBe('');
    expect(tsc.code).toBe(0);

    const r = await exec(process.execPath, ['train.js'], dir);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/^teacher-train epoch 3: loss \d+\.\d{4}$/m);
    expect(r.stdout).toMatch(/^distill epoch 3: loss \d+\.\d{4}$/m);
    const accuracy = Number(
      r.stdout.match(/^student test accuracy (\d+\.\d\d) % \(runs\/from-code-s1-\d{8}-\d{6}\)$/m)?.[1],
    );
    expect(accuracy).toBeGreaterThan(25); // it learned something (10 % is chance; 3,000 digits, 3 epochs)
    expect(r.stdout).toMatch(/^\| `methods\[0\]\.hparams\.T=2` \| +1 \| +\d+\.\d\d \|/m);
    expect(r.stdout).toMatch(/^\| `methods\[0\]\.hparams\.T=4` \| +1 \| +\d+\.\d\d \|/m);
  });
});
