import {mkdtempSync, writeFileSync} from 'node:fs'
import {tmpdir} from 'node:os'
import {join} from 'node:path'
import {describe, expect, it} from 'vitest'
import {BadInputError, UsageError} from '../../../src/errors.js'
import {buildRequest} from '../../../src/input/request.js'

const dir = mkdtempSync(join(tmpdir(), 'meshctl-req-'))
const file = (name: string, content: unknown) => {
  const p = join(dir, name)
  writeFileSync(p, typeof content === 'string' ? content : JSON.stringify(content))
  return p
}

describe('building the simulated request', () => {
  it('takes host, port, headers and defaults from flags', () => {
    const {request} = buildRequest({to: 'reviews:9080', header: ['End-User: jason', 'x-a: 1', 'x-a: 2']})
    expect(request).toMatchObject({authority: 'reviews:9080', port: 9080, path: '/', method: 'GET', protocol: 'http', tls: 'plaintext', direction: 'outbound'})
    expect(request.headers).toEqual({'end-user': 'jason', 'x-a': ['1', '2']})
    expect(request.address).toBeUndefined()
  })

  it('uses an IP destination as the address, and fills SNI/ALPN for TLS like the Istio simulator', () => {
    expect(buildRequest({to: '10.0.0.1:80'}).request.address).toBe('10.0.0.1')
    expect(buildRequest({to: 'a.example.com:443', tls: 'tls'}).request).toMatchObject({sni: 'a.example.com', alpn: ['http/1.1']})
    expect(buildRequest({to: 'a:80', tls: 'mtls', protocol: 'http2'}).request.alpn).toEqual(['istio-h2'])
    expect(buildRequest({to: 'a:80', protocol: 'grpc'}).request).toMatchObject({method: 'POST', headers: {'content-type': 'application/grpc'}})
  })

  it('rejects bad flags as usage errors', () => {
    expect(() => buildRequest({to: 'reviews'})).toThrow(UsageError)
    expect(() => buildRequest({to: 'reviews:99999'})).toThrow(/port/)
    expect(() => buildRequest({to: 'a:80', header: ['nocolon']})).toThrow(/name: value/)
    expect(() => buildRequest({to: 'a:80', alpn: 'h2'})).toThrow(/TLS/)
    expect(() => buildRequest({})).toThrow(/--to/)
  })

  it('reads the Istio simulation call and proxy objects', () => {
    const call = file('call.json', {
      call: {
        port: 80,
        protocol: 'http',
        tls: 'mtls',
        callMode: 'inbound',
        host: 'foo.bar',
        path: '/x',
        address: '1.3.3.7',
        mtlsSecretConfigName: 'file-cert:a~b',
      },
    })
    const proxy = file('proxy.json', {kind: 'gateway', namespace: 'istio-system', labels: {istio: 'ingressgateway'}, ip: '1.1.1.1', istioVersion: '1.23.0'})
    const b = buildRequest({request: call, proxy})
    expect(b.request).toMatchObject({
      authority: 'foo.bar',
      port: 80,
      path: '/x',
      tls: 'mtls',
      direction: 'inbound',
      address: '1.3.3.7',
      alpn: ['istio-http/1.1'],
    })
    expect(b.mtlsSecretName).toBe('file-cert:a~b')
    expect(b.proxy).toMatchObject({kind: 'gateway', namespace: 'istio-system', ip: '1.1.1.1'})
    // Flags override the file.
    expect(buildRequest({request: call, path: '/y'}).request.path).toBe('/y')
  })

  it('names the file and field of a bad call', () => {
    const bad = file('bad.json', {port: 80, tls: 'ssl'})
    try {
      buildRequest({request: bad})
      expect.unreachable()
    } catch (e) {
      expect(e).toBeInstanceOf(BadInputError)
      expect((e as BadInputError).message).toMatch(/bad\.json: tls must be one of plaintext, tls, mtls/)
      expect((e as BadInputError).field).toBe('tls')
    }
    expect(() => buildRequest({request: file('arr.json', [1])})).toThrow(BadInputError)
    expect(() => buildRequest({request: file('noport.json', {host: 'a'})})).toThrow(/no port/)
    expect(() => buildRequest({request: join(dir, 'missing.json')})).toThrow(/cannot read/)
  })
})
