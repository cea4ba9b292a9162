import { Command, InvalidArgumentError } from 'commander';
import { z } from 'zod';
import { createLogger } from './lib/logger.ts';
import { ProbeAgent } from './probes/agent.ts';

/**
 * A regional probe agent: `npm run agent -- --region eu-west --api http://host:3000 --token hr_…`.
 * The token (scope `ingest`) may come from `HEADROOM_AGENT_TOKEN` instead, so it stays out of
 * the process list.
 */
const positiveInt = (value: string): number => {
  const number = Number(value);
  if (!Number.isInteger(number) || number < 1) throw new InvalidArgumentError('expected a positive whole number');
  return number;
};

const program = new Command('headroom-agent')
  .description('Probe the monitors of one region and push the results to a Headroom API')
  .requiredOption('--region <region>', 'region key this agent probes from (monitors list it in `regions`)')
  .requiredOption('--api <url>', 'base URL of the Headroom API')
  .option('--token <token>', 'API token with scope ingest (default: $HEADROOM_AGENT_TOKEN)')
  .option('--data-dir <dir>', 'where the on-disk result buffer lives (default: data/agent-<region>)')
  .option('--max-buffered <n>', 'results kept on disk while the API is unreachable', positiveInt, 100_000)
  .option('--concurrency <n>', 'probes in flight at once', positiveInt, 200)
  .parse();

const options = z
  .object({
    region: z.string().regex(/^[a-z0-9][a-z0-9._-]{0,62}$/, 'expected a region key like eu-west'),
    api: z.url({ protocol: /^https?$/ }),
    token: z.string().min(16, 'give --token or set HEADROOM_AGENT_TOKEN'),
    dataDir: z.string().min(1).optional(),
    maxBuffered: z.number(),
    concurrency: z.number(),
  })
  .safeParse({ ...program.opts(), token: program.opts()['token'] ?? process.env['HEADROOM_AGENT_TOKEN'] });
if (!options.success) {
  process.stderr.write(`Invalid options:\n${options.error.issues.map((issue) => `  ${issue.path.join('.')}: ${issue.message}`).join('\n')}\n`);
  process.exit(2);
}

const logger = createLogger(process.env['LOG_LEVEL'] ?? 'info');
const { region, api, token, maxBuffered, concurrency } = options.data;
const agent = new ProbeAgent({
  region,
  apiUrl: api,
  token,
  dataDir: options.data.dataDir ?? `data/agent-${region}`,
  maxBuffered,
  concurrency,
  logger,
});

try {
  await agent.start();
} catch (error) {
  process.stderr.write(`Agent could not start: ${error instanceof Error ? error.message : String(error)}\n`);
  process.exit(1);
}
logger.info({ region, api, monitors: agent.scheduler.size, buffered: agent.buffer.size }, 'agent started');
// Keeps the process alive: the scheduler's own timers do not.
const keepAlive = setInterval(() => undefined, 60_000);

const shutdown = async (signal: string) => {
  logger.info({ signal }, 'agent stopping');
  clearInterval(keepAlive);
  const report = await agent.stop();
  logger.info({ ...report, buffered: agent.buffer.size }, 'agent stopped');
  process.exit(0);
};
process.on('SIGTERM', () => void shutdown('SIGTERM'));
process.on('SIGINT', () => void shutdown('SIGINT'));
