// Types of version.mjs, for the install tests (apps/install-test).
export declare const DEPENDENCY_FIELDS: readonly [
  'dependencies',
  'devDependencies',
  'peerDependencies',
  'optionalDependencies',
];
export declare function workspaceDirs(root: string): string[];
export declare function setVersion(root: string, version: string): string[];
