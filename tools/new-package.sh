#!/usr/bin/env bash
# Scaffolds a workspace project: tools/new-package.sh packages/method-foo @kd/method-foo "description"
set -euo pipefail
dir=$1; name=$2; desc=${3:-}
mkdir -p "$dir/src"
cat > "$dir/package.json" <<JSON
{
  "name": "$name",
  "version": "0.1.0",
  "private": true,
  "description": "$desc",
  "type": "module",
  "exports": { ".": { "@kd/source": "./src/index.ts", "types": "./dist/index.d.ts", "default": "./dist/index.js" } },
  "scripts": {
    "build": "tsc -p tsconfig.lib.json",
    "typecheck": "tsc -p tsconfig.json --noEmit",
    "lint": "eslint src",
    "test": "vitest run"
  },
  "dependencies": {}
}
JSON
cat > "$dir/tsconfig.json" <<JSON
{ "extends": "../../tsconfig.base.json", "compilerOptions": { "noEmit": true }, "include": ["src/**/*.ts", "test/**/*.ts"] }
JSON
cat > "$dir/tsconfig.lib.json" <<JSON
{ "extends": "../../tsconfig.base.json", "compilerOptions": { "rootDir": "src", "outDir": "dist", "noEmit": false }, "include": ["src/**/*.ts"], "exclude": ["src/**/*.test.ts"] }
JSON
cat > "$dir/vitest.config.ts" <<TS
import { defineProject, mergeConfig } from 'vitest/config';
import shared from '../../vitest.shared.ts';

export default mergeConfig(shared, defineProject({ test: { name: '$name' } }));
TS
