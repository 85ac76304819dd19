import assert from 'node:assert/strict';
import { test } from 'node:test';
import fc from 'fast-check';
import { registryHost } from '../../src/hosts.ts';

const HOST = '123456789012.dkr.ecr.us-east-1.amazonaws.com';

test('every way users store an ECR address names the same host', () => {
  for (const address of [
    HOST,
    `https://${HOST}`,
    `http://${HOST}`,
    `${HOST}/`,
    `https://${HOST}/`,
    HOST.toUpperCase(),
    `HTTPS://${HOST.toUpperCase()}/`,
    `${HOST}:443`,
    `https://${HOST}:443/`,
    `  ${HOST}  `,
    `${HOST}.`,
  ]) {
    assert.equal(registryHost(address), HOST, address);
  }
});

test('another port is another registry', () => {
  assert.equal(registryHost(`${HOST}:5000`), `${HOST}:5000`);
  assert.notEqual(registryHost(`${HOST}:5000`), registryHost(HOST));
});

test('other registries do not match an ECR host', () => {
  assert.notEqual(registryHost('index.docker.io'), HOST);
  assert.notEqual(registryHost(`evil.${HOST}`), HOST);
  assert.notEqual(registryHost(`${HOST}.evil.com`), HOST);
});

test('addresses without a host give undefined', () => {
  for (const address of ['', '   ', 'https://', '://', 'http://[::1']) assert.equal(registryHost(address), undefined, address);
});

test('property: never throws, and the result is stable under normalising again', () => {
  fc.assert(
    fc.property(fc.oneof(fc.string(), fc.webUrl(), fc.domain()), (address) => {
      const host = registryHost(address);
      if (host !== undefined) {
        assert.equal(host, host.toLowerCase());
        assert.equal(registryHost(host), host);
        assert.equal(registryHost(`https://${host}/`), host);
      }
    }),
    { numRuns: 2000 },
  );
});
