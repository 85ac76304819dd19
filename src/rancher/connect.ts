import type { RancherSettings } from '../config.ts';
import type { Deadline } from '../deadline.ts';
import type { Agents } from '../net.ts';
import type { Logger } from '../ui.ts';
import type { RancherAdapter } from './adapter.ts';
import { CattleAdapter } from './cattle.ts';
import { RancherHttp } from './http.ts';

export interface ConnectOptions {
  retries: number;
  deadline: Deadline;
  logger: Logger;
  agents: Agents;
}

/** The one place that picks the adapter for the configured Rancher. */
export async function connectRancher(settings: RancherSettings, options: ConnectOptions): Promise<RancherAdapter> {
  const http = new RancherHttp({
    accessKey: settings.accessKey,
    secretKey: settings.secretKey,
    retries: options.retries,
    deadline: options.deadline,
    logger: options.logger,
    agents: options.agents,
  });
  return CattleAdapter.connect(http, settings.url, options.logger);
}
