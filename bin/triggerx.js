#!/usr/bin/env node
// Entry point of the `triggerx` command. The sources are TypeScript; tsx
// compiles them on load so a checkout runs without a build step.
require("tsx/cjs");
require("../cli/main.ts").main(process.argv.slice(2));
