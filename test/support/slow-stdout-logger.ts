// Run by src/logging/pino-logger.spec.ts: logs N lines to stdout through the service's logger
// while the parent does not read them, then reports on stderr once its timers have run.
import { PinoLogger } from '../../src/logging/pino-logger.ts';

const lines = Number(process.argv[2]);
const logger = new PinoLogger('info');
const padding = 'x'.repeat(160);
for (let index = 0; index < lines; index++) logger.log({ msg: 'line', index, padding }, 'Fixture');
// Timers run only if no write is holding the event loop.
await new Promise((resolve) => setTimeout(resolve, 20));
process.stderr.write(`logged ${lines} lines; timers ran during the logging: true\n`);
process.exit(0);
