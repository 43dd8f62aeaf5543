// The install test's helpers: a local registry, publishing the workspace to it, user projects.
export { startRegistry, LOCAL_SCOPES, type Registry, type RegistryOptions } from './registry.js';
export { publishWorkspace, publishFolder, type Published, type PublishOptions } from './publish.js';
export { makeProject, npm, npx, node, writeProjectFile, type Project, type ProjectOptions } from './project.js';
export { cleanUp, describeResult, run, start, tempDir, type Result, type RunOptions } from './processes.js';
export { npmEnv } from './npm-env.js';
export {
  ROOT,
  publishablePackages,
  stageWorkspace,
  workspacePackages,
  type Manifest,
  type WorkspacePackage,
} from './workspace.js';
export { README, readmeBlock, readmeCommands } from './readme.js';
export { stageExample } from './example.js';
