#!/usr/bin/env bash
# Scaffolds a publishable workspace project (run from the repository root):
#   tools/new-package.sh packages/method-foo @kd/method-foo "description"
# A plugin adds "kd": {"plugin": true} and takes @kd/core and @tensorflow/tfjs as peer dependencies
# (exact versions, also listed as devDependencies), like packages/method-kd.
set -euo pipefail
dir=$1; name=$2; desc=${3:-}
mkdir -p "$dir/src"
version=$(node -p "require('./packages/core/package.json').version")
cat > "$dir/package.json" <<JSON
{
  "name": "$name",
  "version": "$version",
  "description": "$desc",
  "license": "MIT",
  "type": "module",
  "engines": { "node": ">=20.19" },
  "types": "./dist/index.d.ts",
  "exports": {
    ".": { "@kd/source": "./src/index.ts", "types": "./dist/index.d.ts", "default": "./dist/index.js" },
    "./package.json": "./package.json"
  },
  "files": ["dist", "!dist/**/*.test.*", "!dist/**/__fixtures__", "!dist/**/test", "!**/*.tsbuildinfo"],
  "scripts": {
    "build": "tsc -p tsconfig.lib.json",
    "typecheck": "tsc -p tsconfig.json --noEmit",
    "lint": "eslint src && prettier --check \"src/**/*.ts\"",
    "test": "vitest run",
    "prepack": "node ../../tools/pack/prepack.mjs",
    "postpack": "node ../../tools/pack/postpack.mjs",
    "postpublish": "node ../../tools/pack/postpack.mjs"
  },
  "publishConfig": { "access": "public" }
}
JSON
cp LICENSE "$dir/LICENSE"
cat > "$dir/tsconfig.json" <<JSON
{ "extends": "../../tsconfig.base.json", "compilerOptions": { "noEmit": true }, "include": ["src/**/*.ts", "test/**/*.ts"] }
JSON
cat > "$dir/tsconfig.lib.json" <<JSON
{ "extends": "../../tsconfig.base.json", "compilerOptions": { "rootDir": "src", "outDir": "dist", "noEmit": false, "inlineSources": true }, "include": ["src/**/*.ts"], "exclude": ["src/**/*.test.ts"] }
JSON
cat > "$dir/vitest.config.ts" <<TS
import { defineProject, mergeConfig } from 'vitest/config';
import shared from '../../vitest.shared.ts';

export default mergeConfig(shared, defineProject({ test: { name: '$name' } }));
TS
