// Types of manifest.mjs, for the install tests (apps/install-test).
export declare const SOURCE_CONDITION: '@kd/source';
export declare const BACKUP: string;
export declare function publishManifest<T extends Record<string, unknown>>(manifest: T): T;
export declare function readManifest(dir: string): Record<string, unknown>;
export declare function restoreManifest(dir: string): boolean;
export declare function writePublishManifest(dir: string): void;
