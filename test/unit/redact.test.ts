import assert from 'node:assert/strict';
import { test } from 'node:test';
import { Redactor } from '../../src/redact.ts';

test('masks registered secrets, their base64 and user:secret pairs as Basic auth carries them', () => {
  const redactor = new Redactor();
  redactor.addPair('ACCESSKEY1', 'sup3r-secret-key');
  const basic = Buffer.from('ACCESSKEY1:sup3r-secret-key').toString('base64');
  const out = redactor.redact(`key=sup3r-secret-key b64=${Buffer.from('sup3r-secret-key').toString('base64')} basic=${basic}`);
  assert.ok(!out.includes('sup3r-secret-key'));
  assert.ok(!out.includes(basic));
  assert.equal(out, 'key=*** b64=*** basic=***');
});

test('masks credential headers whatever their value', () => {
  const redactor = new Redactor();
  for (const text of [
    'Authorization: Basic QUJDOkRFRg==',
    '"authorization":"AWS4-HMAC-SHA256 Credential=AKIA/x, Signature=abc"',
    "{ Authorization: 'Bearer token-abc:xyz' }",
    'x-amz-security-token: FQoGZXIvYXdzEJr',
  ]) {
    const out = redactor.redact(text);
    assert.ok(out.includes('***'), out);
    assert.ok(!/QUJDOkRFRg|Signature=abc|token-abc|FQoGZXIvYXdzEJr/.test(out), out);
  }
});

test('leaves ordinary text alone and ignores too-short secrets', () => {
  const redactor = new Redactor();
  redactor.add('abc');
  redactor.add(undefined);
  assert.equal(redactor.redact('abc is fine'), 'abc is fine');
});
