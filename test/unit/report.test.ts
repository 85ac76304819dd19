import assert from 'node:assert/strict';
import { test } from 'node:test';
import { Chalk } from 'chalk';
import { AwsError, RancherAuthError, RancherUnavailableError } from '../../src/errors.ts';
import { type EndpointResult, type EndpointStatus, exitCodeOf, renderJson, renderText, type RunReport } from '../../src/report.ts';

const token = (n: number) => ({ registryId: `${n}`.repeat(12), endpoint: `https://${n}.example`, host: `${n}.example`, username: 'AWS', password: `secret-password-${n}`, expiresAt: new Date('2030-01-01T12:00:00Z') });
const endpoint = (status: EndpointStatus, error?: Error & { exitCode: number }, n = 1): EndpointResult => ({
  registryId: token(n).registryId, token: token(n), status, actions: [], error: error as EndpointResult['error'],
});
const report = (...endpoints: EndpointResult[]): RunReport => ({ command: 'sync', rancher: 'Rancher test', endpoints });

test('exit codes follow the outcomes', () => {
  assert.equal(exitCodeOf(report(endpoint('updated'), endpoint('created'))), 0);
  assert.equal(exitCodeOf(report(endpoint('updated'), endpoint('no-match'))), 0);
  assert.equal(exitCodeOf(report(endpoint('no-match'))), 7);
  assert.equal(exitCodeOf(report(endpoint('updated'), endpoint('failed', new RancherUnavailableError('x')))), 6);
  assert.equal(exitCodeOf(report(endpoint('failed', new AwsError('x')), endpoint('failed', new RancherUnavailableError('y')))), 3);
  assert.equal(exitCodeOf(report(endpoint('failed', new RancherAuthError('x')))), 4);
  assert.equal(exitCodeOf(report(endpoint('no-match'), endpoint('failed', new RancherUnavailableError('y')))), 5);
});

test('JSON carries every endpoint and the exit code, and the password only when revealed', () => {
  const r = report(endpoint('updated'), endpoint('failed', new AwsError('denied'), 2));
  const json = JSON.parse(renderJson(r, { revealPasswords: false }));
  assert.equal(json.version, 1);
  assert.equal(json.exitCode, 6);
  assert.deepEqual(json.endpoints.map((e: { status: string }) => e.status), ['updated', 'failed']);
  assert.deepEqual(json.endpoints[1].error, { exitCode: 3, message: 'denied' });
  assert.ok(!renderJson(r, { revealPasswords: false }).includes('secret-password'));
  assert.equal(JSON.parse(renderJson(r, { revealPasswords: true })).endpoints[0].password, 'secret-password-1');
});

test('quiet text keeps failures and drops the rest', () => {
  const r = report(endpoint('updated'), endpoint('failed', new AwsError('denied'), 2));
  r.endpoints[0]!.actions = [{ kind: 'update-credential', registryId: '1sp1', serverAddress: '1.example', credentialId: '1c1', status: 'done' }];
  const c = new Chalk({ level: 0 });
  const loud = renderText(r, c, { quiet: false, now: new Date('2030-01-01T00:00:00Z') });
  assert.ok(loud.some((l) => l.includes('updated credential 1c1 of registry 1sp1')));
  assert.ok(loud.some((l) => l.includes('expires 2030-01-01T12:00:00Z (in 12.0 h)')));
  const quiet = renderText(r, c, { quiet: true, now: new Date() });
  assert.deepEqual(quiet, ['✗ 2.example: denied']);
});
