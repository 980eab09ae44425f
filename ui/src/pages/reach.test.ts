import { reachOf } from './reach';

test('a loopback address reaches only this machine', () => {
  for (const url of [
    'http://127.0.0.1:8444/scim/default/v2',
    'https://localhost:8444/scim/a/v2',
    'http://[::1]:8444/scim/a/v2',
    'http://127.8.0.1/scim/a/v2',
  ])
    expect(reachOf(url)).toBe('thisMachine');
});

test('private addresses and local names reach a private network only', () => {
  for (const url of [
    'https://10.0.0.5/scim/a/v2',
    'https://172.20.1.1/scim/a/v2',
    'https://192.168.1.20:8444/scim/a/v2',
    'https://169.254.10.10/scim/a/v2',
    'https://[fd12:3456::1]/scim/a/v2',
    'https://console.local/scim/a/v2',
    'https://scimbox/scim/a/v2',
  ])
    expect(reachOf(url)).toBe('privateNetwork');
  // Public neighbours of the private ranges.
  expect(reachOf('https://172.32.0.1/scim/a/v2')).toBe('public');
  expect(reachOf('https://11.0.0.1/scim/a/v2')).toBe('public');
});

test('a public address is reachable, over HTTPS only for identity providers', () => {
  expect(reachOf('https://scim.example.com/scim/a/v2')).toBe('public');
  expect(reachOf('http://scim.example.com/scim/a/v2')).toBe('publicHttp');
});
