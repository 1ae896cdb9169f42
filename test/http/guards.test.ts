// isLoopbackHost: exactly a loopback name or address, optionally with a port; nothing around it.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { isLoopbackHost } from '../../src/http/guards.js';

const LOOPBACK = [
  'localhost',
  'localhost:8000',
  'LOCALHOST:80',
  'dash.localhost',
  'a.b-c.localhost:3000',
  '127.0.0.1',
  '127.0.0.1:8000',
  '127.1.2.3',
  '127.255.255.255:65535',
  '[::1]',
  '[::1]:8000',
  '[0:0:0:0:0:0:0:1]:80',
  '[0::1]',
];

const FOREIGN = [
  undefined,
  '',
  ' ',
  '[::1]evil.com',
  '[::1].evil.com',
  '[::1]:80evil.com',
  '[::1]:80:80',
  '127.0.0.1.evil.com',
  '127.0.0.1.evil.com:8000',
  'localhost.evil.com',
  'localhost.evil.com:80',
  'evil.localhost.com',
  'evillocalhost',
  'localhost:',
  'localhost:abc',
  'localhost:80:80',
  'localhost:99999',
  'localhost.',
  '.localhost',
  'a..localhost',
  'user@localhost',
  'localhost/evil',
  'localhost#evil',
  '::1',
  '::1:8000',
  '[::2]',
  '[::ffff:127.0.0.1]x',
  '[127.0.0.1]',
  '[localhost]',
  '127.0.0.1:80/x',
  '128.0.0.1',
  '0.0.0.0',
  '127.1',
  '2130706433',
  '0x7f000001',
  '192.168.1.10',
  '[2001:db8::1]:80',
  'evil.example',
  'localhost\tevil',
];

test('accepted: loopback names and addresses, with or without a port', () => {
  for (const host of LOOPBACK) assert.equal(isLoopbackHost(host), true, JSON.stringify(host));
});

test('refused: anything that only starts or ends like a loopback name, and every other host', () => {
  for (const host of FOREIGN) assert.equal(isLoopbackHost(host), false, JSON.stringify(host));
});
