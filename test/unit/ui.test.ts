import assert from 'node:assert/strict';
import { PassThrough } from 'node:stream';
import { test } from 'node:test';
import { Redactor } from '../../src/redact.ts';
import { Ui } from '../../src/ui.ts';

function ui(env: Record<string, string>, tty: boolean, level: 'debug' | 'info' | 'warn' | 'error' = 'info') {
  const stdout = Object.assign(new PassThrough(), { isTTY: tty });
  const stderr = Object.assign(new PassThrough(), { isTTY: tty });
  let out = '';
  let err = '';
  stdout.on('data', (c) => (out += c));
  stderr.on('data', (c) => (err += c));
  const redactor = new Redactor();
  redactor.add('hunter2-secret');
  return { ui: new Ui({ stdout, stderr, env }, redactor, level), out: () => out, err: () => err };
}

const ESC = '\u001b[';

test('colour on a terminal only; NO_COLOR wins even over FORCE_COLOR', () => {
  assert.ok(ui({}, true).ui.color.green('x').includes(ESC));
  assert.ok(!ui({}, false).ui.color.green('x').includes(ESC));
  assert.ok(ui({ FORCE_COLOR: '1' }, false).ui.color.green('x').includes(ESC));
  assert.ok(!ui({ NO_COLOR: '1' }, true).ui.color.green('x').includes(ESC));
  assert.ok(!ui({ NO_COLOR: '1', FORCE_COLOR: '1' }, true).ui.color.green('x').includes(ESC));
  assert.ok(!ui({ TERM: 'dumb' }, true).ui.color.green('x').includes(ESC));
});

test('logs go to stderr at or above the level, data to stdout, both redacted; printSecret alone is not', () => {
  const u = ui({}, false, 'warn');
  u.ui.logger.info('hidden info');
  u.ui.logger.warn('password hunter2-secret leaked?');
  u.ui.print('report with hunter2-secret');
  u.ui.printSecret('hunter2-secret');
  assert.equal(u.err(), 'warning: password *** leaked?\n');
  assert.equal(u.out(), 'report with ***\nhunter2-secret\n');
});
