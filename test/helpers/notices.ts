import { createDeps } from '../../api/app.ts';
import type { AppDeps, AppSettings } from '../../api/deps.ts';
import { AppEvents } from '../../api/lib/events.ts';
import { testConfig } from './config.ts';
import { startTestServer, type TestServer } from './server.ts';

export interface NoticeTestServer extends TestServer {
  /** The same dependencies the app uses (shared clock, db and event bus), for driving workers by hand. */
  deps: AppDeps;
  events: AppEvents;
}

/** A test server whose deps are exposed so workers (outbox, maintenance) can be ticked with its clock. */
export async function startNoticeServer(options: { now?: string | Date; settings?: Partial<AppSettings> } = {}): Promise<NoticeTestServer> {
  // Test receivers listen on loopback, which the SSRF guard refuses unless allow-listed explicitly.
  options = { ...options, settings: { outboundAllowList: ['127.0.0.1'], ...options.settings } };
  const events = new AppEvents();
  const config = testConfig();
  const server = await startTestServer({ events, config, ...(options.now ? { now: options.now } : {}), ...(options.settings ? { settings: options.settings } : {}) });
  const deps = createDeps({ db: server.db, config, clock: server.clock, events, ...(options.settings ? { settings: options.settings } : {}) });
  return Object.assign(server, { deps, events });
}

/** Opens an incident through the API and returns its JSON. */
export async function openIncident(server: TestServer, body: Record<string, unknown>): Promise<{ id: string; updates: { id: string }[] }> {
  const response = await server.request('/api/v1/incidents', { method: 'POST', json: body });
  if (response.status !== 201) throw new Error(`open incident: ${response.status} ${await response.text()}`);
  return (await response.json()) as { id: string; updates: { id: string }[] };
}
