/**
 * `npm run demo`: the whole job against loopback fakes, no AWS account or Rancher needed.
 * Starts a fake ECR and a fake Rancher 1.x environment holding a stale ECR credential, then runs
 * the built CLI exactly as cron would: dry-run, sync, show-token, and shows before and after.
 */
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync } from 'node:fs';
import { World, HOST } from '../test/helpers/world.ts';
import { ROOT, runCli } from '../test/helpers/cli.ts';

if (!existsSync(`${ROOT}/dist/cli.cjs`)) spawnSync(process.execPath, ['scripts/build.mjs'], { cwd: ROOT, stdio: 'inherit' });

const world = await World.start();
const env: Record<string, string | undefined> = { ...world.env({ LOG_LEVEL: 'info' }), FORCE_COLOR: process.stdout.isTTY ? '1' : undefined };

/** Shows that the password changed without printing it. */
function fingerprint(secret: string): string {
  return createHash('sha256').update(secret).digest('hex').slice(0, 12);
}

function credentialState(): string {
  return world.cattle
    .credentials(world.projectId)
    .map((c) => `  credential ${c.id} of registry ${c.registryId}: user ${c.publicValue}, password sha256:${fingerprint(String(c.secretValue))} (${String(c.secretValue).length} chars)`)
    .join('\n');
}

/** Async: the fakes live in this process, so it must keep answering while the CLI runs. */
async function run(args: string[]): Promise<void> {
  console.log(`\n$ rancher-ecr-credentials ${args.join(' ')}`);
  const result = await runCli(args, env);
  process.stdout.write(result.stdout);
  process.stdout.write(result.stderr);
  console.log(`(exit code ${result.code})`);
}

try {
  console.log(`Fake ECR at ${world.aws.url}; fake Rancher 1.x at ${world.cattle.url}, environment ${world.projectId},`);
  console.log(`holding registry ${HOST} with a credential that went stale 12 hours ago:`);
  console.log(credentialState());
  console.log(`\nThe CLI runs with CATTLE_URL=${env.CATTLE_URL}, CATTLE_ACCESS_KEY, CATTLE_SECRET_KEY, AWS_REGION, AWS keys,`);
  console.log('and AWS_ENDPOINT_URL_ECR pointing the real AWS SDK at the fake.');
  await run(['dry-run']);
  await run(['sync']);
  await run(['show-token']);
  console.log('\nAfter the sync, Rancher holds the fresh ECR password:');
  console.log(credentialState());
  const writes = world.cattle.writes().map((w) => `${w.method} ${w.path} → ${w.status}`);
  console.log(`\nWrites Rancher received: ${writes.join(', ') || 'none'}`);
} finally {
  await world.close();
}
