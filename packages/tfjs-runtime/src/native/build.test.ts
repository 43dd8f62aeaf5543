import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const script = fileURLToPath(new URL('../../native/build.sh', import.meta.url));
const haveToolchain = ['clang-16', 'wasm-ld-16', 'wasm2wat'].every(
  (tool) => spawnSync('sh', ['-c', `command -v ${tool}`]).status === 0,
);

describe('native kernels build', () => {
  // The generated module is committed so installing never needs clang; this guards against
  // editing kd_kernels.c (@kd/native-kernels csrc/) without regenerating it. Needs Debian's clang-16, lld-16 and wabt.
  it.skipIf(!haveToolchain)(
    'the committed kernels-wasm.ts is what native/build.sh produces (runs where clang-16, lld-16 and wabt are installed)',
    () => {
      const r = spawnSync('bash', [script, '--check'], { encoding: 'utf8' });
      expect(r.stderr).toBe('');
      expect(r.status).toBe(0);
    },
  );
});
