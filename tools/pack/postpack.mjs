#!/usr/bin/env node
// npm `postpack` and `postpublish` of every publishable package: puts back the repository's
// package.json that prepack.mjs replaced by the publish manifest.
//
// `npm publish` reads package.json again after packing and sends that manifest to the registry, so
// during a publish the publish manifest stays in place until `postpublish`. Should a publish fail in
// between, the backup stays and the next pack (prepack.mjs) puts it back first.
import { restoreManifest } from './manifest.mjs';

const publishing = process.env.npm_command === 'publish';
if (process.env.npm_lifecycle_event === 'postpublish' || !publishing) restoreManifest(process.cwd());
