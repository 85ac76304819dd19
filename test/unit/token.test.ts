import assert from 'node:assert/strict';
import { test } from 'node:test';
import { decodeAuthorizationToken } from '../../src/aws/token.ts';
import { AwsError } from '../../src/errors.ts';

const endpoint = 'https://123456789012.dkr.ecr.us-east-1.amazonaws.com';
const b64 = (text: string) => Buffer.from(text).toString('base64');

test('decodes user and password, keeping colons inside the password', () => {
  assert.deepEqual(decodeAuthorizationToken(b64('AWS:pass:word=='), endpoint), { username: 'AWS', password: 'pass:word==' });
});

test('a token that is not base64 is an AWS error', () => {
  assert.throws(() => decodeAuthorizationToken('not base64 at all!', endpoint), AwsError);
});

for (const [name, token] of [
  ['not base64', '@@@@'],
  ['bad length', 'QUJD='],
  ['empty', ''],
  ['no colon', b64('AWSpassword')],
  ['empty user', b64(':password')],
  ['empty password', b64('AWS:')],
] as const) {
  test(`malformed token (${name}) → exit 3 without the token in the message`, () => {
    try {
      decodeAuthorizationToken(token, endpoint);
      assert.fail('should throw');
    } catch (error) {
      assert.ok(error instanceof AwsError);
      assert.equal(error.exitCode, 3);
      assert.match(error.message, /malformed authorization token/);
      if (token.length > 4) assert.ok(!error.message.includes(token));
    }
  });
}
