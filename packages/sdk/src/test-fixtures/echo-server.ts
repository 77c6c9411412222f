// A real cell process for tests: serves the echo contract on argv[2] and prints one JSON line
// `{"ready":true,"pid":...,"builtins":[...]}` once listening. Limits come from CELL_TEST_* variables.
import { serve, type Membrane } from '../membrane.ts';
import { echoContract } from './echo-contract.ts';
import { echoHandlers } from './echo-handlers.ts';

const socketPath = process.argv[2];
if (!socketPath) throw new Error('usage: echo-server.ts <socket-path>');
const num = (name: string): number | undefined => (process.env[name] ? Number(process.env[name]) : undefined);

const membrane: Membrane<typeof echoContract> = await serve(echoContract, echoHandlers(() => membrane), {
  socketPath,
  maxFrameBytes: num('CELL_TEST_MAX_FRAME_BYTES'),
  frameTimeoutMs: num('CELL_TEST_FRAME_TIMEOUT_MS'),
  handshakeTimeoutMs: num('CELL_TEST_HANDSHAKE_TIMEOUT_MS'),
});
// With the built-in modules it loaded, to check what a cell loads only when it needs it.
// (`process.moduleLoadList` is Node's own, undocumented list: "NativeModule net", ...)
const { moduleLoadList } = process as unknown as { moduleLoadList: string[] };
const builtins = moduleLoadList.filter((m) => m.startsWith('NativeModule ')).map((m) => m.slice('NativeModule '.length));
process.stdout.write(`${JSON.stringify({ ready: true, pid: process.pid, builtins })}\n`);
process.on('SIGTERM', () => void membrane?.stop({ graceMs: 500 }).then(() => process.exit(0)));
