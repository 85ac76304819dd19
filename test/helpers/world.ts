import { type FakeAws, type FakeAwsOptions, startFakeAws } from '../fakes/aws.ts';
import { type CattleKey, type FakeCattle, type FakeCattleOptions, startFakeCattle } from '../fakes/cattle.ts';
import { type CliResult, hermeticAwsEnv, runCli } from './cli.ts';

export const ACCOUNT = '123456789012';
export const HOST = `${ACCOUNT}.dkr.ecr.us-east-1.amazonaws.com`;
export const AWS_KEY = { accessKeyId: 'AKIAFAKEFAKEFAKE0001', secretAccessKey: 'fake/secret/key/0001' };
export const STALE_PASSWORD = 'stale-password-from-twelve-hours-ago';

export interface WorldOptions {
  aws?: FakeAwsOptions;
  cattle?: FakeCattleOptions;
  /** serverAddress values of registries seeded with a stale credential; default [HOST]. */
  registries?: string[];
}

/**
 * A fake ECR and a fake Rancher 1.x environment on loopback, seeded like a real environment
 * whose ECR credential went stale, plus the environment a user would set for the CLI.
 */
export class World {
  projectId = '';
  key: CattleKey = { accessKey: '', secretKey: '' };
  registryIds: string[] = [];
  credentialIds: string[] = [];

  private constructor(
    readonly aws: FakeAws,
    readonly cattle: FakeCattle,
  ) {}

  static async start(options: WorldOptions = {}): Promise<World> {
    const [aws, cattle] = await Promise.all([startFakeAws(options.aws), startFakeCattle(options.cattle)]);
    const world = new World(aws, cattle);
    world.projectId = cattle.addProject('Default');
    world.key = cattle.addEnvironmentKey(world.projectId);
    for (const address of options.registries ?? [HOST]) {
      const registry = cattle.addRegistry(world.projectId, address);
      world.registryIds.push(registry.id);
      world.credentialIds.push(cattle.addCredential(world.projectId, registry.id, { publicValue: 'AWS', secretValue: STALE_PASSWORD, email: 'ops@example.com' }).id);
    }
    return world;
  }

  /** The environment of the old updater container, pointed at the fakes. */
  env(overrides: Record<string, string | undefined> = {}): Record<string, string | undefined> {
    return {
      ...hermeticAwsEnv(),
      AWS_ACCESS_KEY_ID: AWS_KEY.accessKeyId,
      AWS_SECRET_ACCESS_KEY: AWS_KEY.secretAccessKey,
      AWS_REGION: 'us-east-1',
      AWS_ENDPOINT_URL_ECR: this.aws.url,
      AWS_ENDPOINT_URL_STS: this.aws.url,
      CATTLE_URL: `${this.cattle.url}/v1`,
      CATTLE_ACCESS_KEY: this.key.accessKey,
      CATTLE_SECRET_KEY: this.key.secretKey,
      // Every end-to-end run logs at debug level, so the secret scan covers the chattiest output.
      LOG_LEVEL: 'debug',
      ...overrides,
    };
  }

  /** Everything that must never be printed: keys, and every password ECR handed out or Rancher held. */
  secrets(): string[] {
    return [
      AWS_KEY.secretAccessKey,
      this.key.secretKey,
      // As a Basic auth header carries it (the scan also looks for each secret in base64).
      `${this.key.accessKey}:${this.key.secretKey}`,
      STALE_PASSWORD,
      ...this.aws.issued.flatMap((t) => [t.password, t.authorizationToken]),
      ...this.aws.assumed.flatMap((c) => [c.secretAccessKey, c.sessionToken]),
    ];
  }

  run(args: string[], env: Record<string, string | undefined> = this.env(), options: { revealsPassword?: boolean; timeoutMs?: number } = {}): Promise<CliResult> {
    // The secrets are read after the run, so the passwords it was handed are included.
    return runCli(args, env, { timeoutMs: options.timeoutMs, secrets: options.revealsPassword ? [] : undefined }).then((result) => {
      if (!options.revealsPassword) {
        const output = result.stdout + result.stderr;
        for (const secret of this.secrets()) {
          for (const form of [secret, Buffer.from(secret).toString('base64')]) {
            if (output.includes(form)) throw new Error(`a secret (${secret.slice(0, 3)}…) appeared in the output of ${args.join(' ')}:\n${output.slice(0, 3000)}`);
          }
        }
      }
      return result;
    });
  }

  /** The credential secrets Rancher now holds for a registry. */
  secretsOf(registryId: string): Array<string | null> {
    return this.cattle.credentials(this.projectId).filter((c) => c.registryId === registryId).map((c) => c.secretValue);
  }

  lastPassword(): string {
    const last = this.aws.issued.at(-1);
    if (!last) throw new Error('ECR issued no token');
    return last.password;
  }

  async close(): Promise<void> {
    await Promise.all([this.aws.close(), this.cattle.close()]);
  }
}

/** A world for one test: started, handed over, and closed however the test ends. */
export async function withWorld<T>(options: WorldOptions, use: (world: World) => Promise<T>): Promise<T> {
  const world = await World.start(options);
  try {
    return await use(world);
  } finally {
    await world.close();
  }
}
