import assert from 'node:assert/strict';
import { test } from 'node:test';
import { planHost } from '../../src/plan.ts';
import type { RancherCredential, RancherRegistry } from '../../src/rancher/adapter.ts';

const HOST = '123456789012.dkr.ecr.us-east-1.amazonaws.com';
const cred = (id: string, state = 'active'): RancherCredential => ({ id, state, username: 'AWS' });
const reg = (id: string, serverAddress: string, credentials: RancherCredential[] = [cred(`1c${id}`)]): RancherRegistry => ({ id, serverAddress, state: 'active', credentials });
const kinds = (registries: RancherRegistry[], create = false) => planHost(HOST, registries, { create }).actions.map((a) => ('credentialId' in a ? `${a.kind} ${a.credentialId}` : 'registryId' in a ? `${a.kind} ${a.registryId}` : `${a.kind} ${a.host}`));

test('updates the credential of the registry whose address names the host', () => {
  assert.deepEqual(kinds([reg('1sp1', 'index.docker.io'), reg('1sp2', `https://${HOST.toUpperCase()}/`)]), ['update-credential 1c1sp2']);
});

test('no match: nothing to do, unless creation was asked for', () => {
  assert.deepEqual(kinds([reg('1sp1', 'quay.io')]), []);
  assert.deepEqual(kinds([reg('1sp1', 'quay.io')], true), [`create-registry ${HOST}`]);
});

test('a matched registry without credentials gets one created, never a new registry', () => {
  assert.deepEqual(kinds([reg('1sp1', HOST, [])], true), ['create-credential 1sp1']);
});

test('several credentials: the live ones are updated, inactive ones left alone', () => {
  assert.deepEqual(kinds([reg('1sp1', HOST, [cred('1c1'), cred('1c2', 'inactive'), cred('1c3', 'activating')])]), ['update-credential 1c1', 'update-credential 1c3']);
});

test('only inactive credentials: they are updated rather than a duplicate created', () => {
  assert.deepEqual(kinds([reg('1sp1', HOST, [cred('1c1', 'inactive')])]), ['update-credential 1c1']);
});

test('the same host stored twice in different spellings: both registries are kept fresh', () => {
  assert.deepEqual(kinds([reg('1sp1', HOST), reg('1sp2', `${HOST}:443`)], true), ['update-credential 1c1sp1', 'update-credential 1c1sp2']);
});

test('a registry on another port is not this host', () => {
  assert.deepEqual(kinds([reg('1sp1', `${HOST}:5000`)]), []);
});
