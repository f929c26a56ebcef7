#!/usr/bin/env node
import * as nodeModule from 'node:module';

// A clear line instead of a syntax error from some dependency on an older Node.js.
const major = Number(process.versions.node.split('.')[0]);
if (major < 24) {
  process.stderr.write(`sidecar-injector: needs Node.js 24, this is ${process.version} (npx and npm scripts in this repository use the node@24 devDependency)\n`);
  process.exit(2);
}

// As for the service: later runs skip compiling the command's modules (ignored on a read-only disk).
nodeModule.enableCompileCache?.();

const { ExitCode } = await import('./exit-codes.ts');
const { runProgram } = await import('./program.ts');

// `sidecar-injector inject -f x.yaml | head` closes the pipe early: that is not an error.
process.stdout.on('error', (error: NodeJS.ErrnoException) => {
  if (error.code === 'EPIPE') process.exit(process.exitCode ?? ExitCode.ok);
  throw error;
});

try {
  process.exitCode = await runProgram(process.argv.slice(2), { stdout: process.stdout, stderr: process.stderr });
} catch (error) {
  process.stderr.write(`sidecar-injector: unexpected failure, please report it: ${(error as Error).stack ?? String(error)}\n`);
  process.exitCode = ExitCode.internal;
}
