#!/usr/bin/env node
import { run } from './program';

// Exit codes: 0 ok, 1 the command failed, 2 usage (see program.ts).
run(process.argv.slice(2), {
  out: (text) => process.stdout.write(text),
  err: (text) => process.stderr.write(text),
}).then(
  (code) => {
    process.exitCode = code;
  },
  (error: unknown) => {
    // run() answers every failure with a code; this is a bug in tq itself.
    process.stderr.write(`tq: internal error: ${String(error)}\n`);
    process.exitCode = 1;
  },
);
