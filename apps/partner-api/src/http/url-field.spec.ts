import { HTTP_URL_PATTERN, isHttpUrl } from './url-field';

describe('webhook and event URLs', () => {
  it.each([
    'https://example.com/hook?a=1',
    'http://127.0.0.1:8080/x',
    'http://[::1]:99/',
    'http://[2001:db8::8a2e:370:7334]/p',
    'http://[::ffff:1.2.3.4]/',
    'http://user:pw@h.example/p#f',
    'https://h',
    'http://a*b.example_host~x/',
    'http://1.2.3.4:8080/',
    'http://abc.12x/',
    'http://a.0x1g/',
    'http://a.b.c.de',
  ])('accepts %s', (url) => {
    expect([HTTP_URL_PATTERN.test(url), isHttpUrl(url)]).toEqual([true, true]);
  });

  it.each([
    'ftp://e.com',
    'http://a[b/', // a stray bracket: URL parsers (Python's urlsplit among them) raise on it
    'http://[x',
    'http://[a1bFD9.5]:655/',
    'http://h.com:99999/',
    'http://a b',
    'http://a/\u0000',
    'http://',
    'https://user@009000000', // a number, not an IPv4 address (WHATWG refuses it)
    'http://abc.123/',
    'http://abc.0x1f/',
    'http://1.2.3.999/',
    'http://a\\b@h.example/', // a backslash ends the host in WHATWG URL
  ])('refuses %j, in the pattern the OpenAPI document publishes too', (url) => {
    expect([HTTP_URL_PATTERN.test(url), isHttpUrl(url)]).toEqual([false, false]);
  });
});
