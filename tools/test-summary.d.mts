// Types of test-summary.mjs, for the workspace test in @kd/testing.
export interface TestProject {
  readonly name: string;
  readonly dir: string;
  readonly report: string;
}
export function testProjects(root?: string): TestProject[];
export function clearReports(root?: string): void;
export function summarize(root?: string, since?: number): { passed: number; failed: number; files: number; stale: string[] };
