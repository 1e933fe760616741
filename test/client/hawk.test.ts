import { createHash, createHmac } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { createSigner } from '../../src/client/signer.js';
import type { ServiceBase } from '../../src/client/url.js';

// An independent statement of Hawk's normalized string (header and payload), checked against
// Hawk's documented known answers below and then used to check the client's signer.
function mac(
  key: string,
  a: {
    ts: string;
    nonce: string;
    method: string;
    resource: string;
    host: string;
    port: number;
    hash?: string;
    ext?: string;
  },
  type = 'header',
): string {
  const text = `hawk.1.${type}\n${a.ts}\n${a.nonce}\n${a.method}\n${a.resource}\n${a.host}\n${a.port}\n${a.hash ?? ''}\n${a.ext ?? ''}\n`;
  return createHmac('sha256', key).update(text).digest('base64');
}

function payloadHash(body: string, contentType: string): string {
  return createHash('sha256').update(`hawk.1.payload\n${contentType}\n${body}\n`).digest('base64');
}

const KEY = 'werxhqb98rpaxn39848xrunpaw3489ruxnpa98w4rxn';
const EXAMPLE = {
  ts: '1353832234',
  nonce: 'j4h3g2',
  resource: '/resource/1?b=1&a=2',
  host: 'example.com',
  port: 8000,
  ext: 'some-app-ext-data',
};

describe('Hawk known answers', () => {
  it.each([
    ['GET', undefined, '6R4rV5iE+NPoym+WwjeHzjAGXUtLNIxmo1vpMofpLAE='],
    [
      'POST',
      'Yi9LfIIFRtBEPt74PVmbTF/xVAwPn7ub15ePICfgnuY=',
      'aSe1DERmZuRl3pI36/9BdZmnErTw3sNzOOAUlfeKjVw=',
    ],
  ] as const)('%s of the documented example has mac %s', (method, hash, expected) => {
    if (hash !== undefined) {
      expect(payloadHash('Thank you for flying Hawk', 'text/plain')).toBe(hash);
    }
    expect(mac(KEY, { ...EXAMPLE, method, ...(hash === undefined ? {} : { hash }) })).toBe(
      expected,
    );
  });
});

function attributes(header: string): Record<string, string> {
  expect(header.startsWith('Hawk ')).toBe(true);
  return Object.fromEntries([...header.matchAll(/(\w+)="([^"]*)"/g)].map((m) => [m[1], m[2]]));
}

const BASE: ServiceBase = {
  origin: 'http://example.com:8000',
  protocol: 'http:',
  hostname: 'example.com',
  port: 8000,
  basePath: '/',
};

describe('the client signer', () => {
  it('signs the exact resource with a payload hash over the JSON bytes', () => {
    const signer = createSigner(BASE, { clientId: 'dh37fgj492je', accessToken: KEY }, undefined);
    const body = '{"a":"ü"}';
    const hash = signer.payloadHash(body);
    expect(hash).toBe(payloadHash(body, 'application/json'));
    const header = attributes(signer.authorization('POST', EXAMPLE.resource, hash));
    expect(header.id).toBe('dh37fgj492je');
    expect(header.hash).toBe(hash);
    expect(header.ext).toBeUndefined();
    expect(header.mac).toBe(
      mac(KEY, {
        ...EXAMPLE,
        ext: undefined,
        ts: header.ts!,
        nonce: header.nonce!,
        method: 'POST',
        hash,
      } as never),
    );
  });

  it('puts the certificate object and authorizedScopes in a base64 JSON ext', () => {
    const certificate = {
      version: 1 as const,
      scopes: ['a'],
      start: 1,
      expiry: 2,
      seed: 's',
      signature: 'x',
    };
    const signer = createSigner(
      BASE,
      { clientId: 'c', accessToken: KEY, certificate: JSON.stringify(certificate) },
      ['a'],
    );
    const header = attributes(signer.authorization('GET', '/x', undefined));
    expect(JSON.parse(Buffer.from(header.ext!, 'base64').toString())).toEqual({
      certificate,
      authorizedScopes: ['a'],
    });
    expect(header.mac).toBe(
      mac(KEY, {
        ...EXAMPLE,
        resource: '/x',
        ts: header.ts!,
        nonce: header.nonce!,
        method: 'GET',
        ext: header.ext!,
      }),
    );
  });

  it('makes a fresh nonce for every header', () => {
    const signer = createSigner(BASE, { clientId: 'c', accessToken: KEY }, undefined);
    const nonces = new Set(
      Array.from(
        { length: 20 },
        () => attributes(signer.authorization('GET', '/x', undefined)).nonce,
      ),
    );
    expect(nonces.size).toBe(20);
  });

  it('builds a bewit of id, expiry, mac and ext', () => {
    const signer = createSigner(BASE, { clientId: 'c', accessToken: KEY }, undefined);
    const before = Math.floor(Date.now() / 1000);
    const [id, exp, bewitMac, ext] = Buffer.from(signer.bewit('/x?y=1', 60), 'base64url')
      .toString()
      .split('\\');
    expect(id).toBe('c');
    expect(Number(exp)).toBeGreaterThanOrEqual(before + 60);
    expect(ext).toBe('');
    expect(bewitMac).toBe(
      mac(
        KEY,
        { ts: exp!, nonce: '', method: 'GET', resource: '/x?y=1', host: 'example.com', port: 8000 },
        'bewit',
      ),
    );
  });
});
