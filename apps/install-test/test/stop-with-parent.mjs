// node stop-with-parent.mjs <command> [...args]: runs the command and ends it (with its whole process
// group) once the process that started this one is gone, e.g. a test runner killed before its
// afterAll could stop a server it had started.
import { spawn } from 'node:child_process';

const parent = process.ppid;
const [command, ...args] = process.argv.slice(2);
const child = spawn(command, args, { stdio: 'inherit' });
child.on('exit', (code, signal) => process.exit(code ?? (signal ? 1 : 0)));
setInterval(() => {
  try {
    process.kill(parent, 0);
  } catch {
    process.kill(-process.pid, 'SIGKILL');
  }
}, 1000).unref();
