// Public surface of the reward server (lib/cli/serve.ts is the command over it).
export { startServer, VerpoServer, type ServerOptions } from './app';
export { GroupQueue, CancelledError } from './queue';
export type { RunCodeRequest, RunCodeResponse, CommandRunResult } from './run-code';
export type { OpenRlhfRequest, OpenRlhfResponse } from './openrlhf';
