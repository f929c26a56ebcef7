// Run by src/logging/pino-logger.spec.ts: logs a burst of lines through the service's logger
// while the parent does not read them (the pipe fills, the write waits), then a short tail,
// says so on stderr, and stays alive logging nothing more until it is killed.
import { PinoLogger } from '../../src/logging/pino-logger.ts';

const [burst, tail] = process.argv.slice(2).map(Number) as [number, number];
const logger = new PinoLogger('info');
const padding = 'x'.repeat(160);
let index = 0;
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
for (let line = 0; line < burst; line++) logger.log({ msg: 'line', index: index++, padding }, 'Fixture');
await sleep(100);
for (let line = 0; line < tail; line++) logger.log({ msg: 'line', index: index++ }, 'Fixture');
// Past the flush interval: the tail's flush came while the burst's write was still waiting.
await sleep(200);
process.stderr.write('logged\n');
setInterval(() => {}, 60_000);
