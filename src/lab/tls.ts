import {generateKeyPairSync, randomBytes, sign, type KeyObject} from 'node:crypto'

/**
 * A throwaway certificate authority and a serving certificate for the lab's API server, generated at every lab start
 * (ECDSA P-256, X.509 v3 in DER written by hand: Node can verify certificates but not issue them). The kubeconfig the
 * lab writes carries the CA as certificate-authority-data, so both kubectl (Go's crypto/x509: SAN required, CA with
 * basicConstraints and keyCertSign) and @kubernetes/client-node (OpenSSL) verify https://127.0.0.1:<port>, and kubectl
 * then sends the bearer token, which it refuses to do over plain HTTP.
 */

export interface LabTls {
  /** PEM of the CA certificate (certificate-authority-data). */
  caPem: string
  /** PEM of the server certificate (SANs 127.0.0.1, ::1, localhost). */
  certPem: string
  /** PEM (PKCS#8) of the server key. */
  keyPem: string
}

function len(n: number): Buffer {
  if (n < 0x80) return Buffer.from([n])
  const bytes: number[] = []
  for (let v = n; v > 0; v = Math.floor(v / 256)) bytes.unshift(v & 0xff)
  return Buffer.from([0x80 | bytes.length, ...bytes])
}

const tlv = (tag: number, ...content: Buffer[]): Buffer => {
  const body = Buffer.concat(content)
  return Buffer.concat([Buffer.from([tag]), len(body.length), body])
}
const seq = (...c: Buffer[]) => tlv(0x30, ...c)
const set = (...c: Buffer[]) => tlv(0x31, ...c)

function oid(dotted: string): Buffer {
  const arcs = dotted.split('.').map(Number)
  const out = [40 * arcs[0] + arcs[1]]
  for (const arc of arcs.slice(2)) {
    const chunk = [arc & 0x7f]
    for (let v = Math.floor(arc / 128); v > 0; v = Math.floor(v / 128)) chunk.unshift((v & 0x7f) | 0x80)
    out.push(...chunk)
  }
  return tlv(0x06, Buffer.from(out))
}

function integer(bytes: Buffer): Buffer {
  let b = bytes
  while (b.length > 1 && b[0] === 0 && b[1] < 0x80) b = b.subarray(1)
  return tlv(0x02, b[0] >= 0x80 ? Buffer.concat([Buffer.from([0]), b]) : b)
}

const bitString = (unused: number, bytes: Buffer) => tlv(0x03, Buffer.from([unused]), bytes)
const octets = (b: Buffer) => tlv(0x04, b)
const utf8 = (s: string) => tlv(0x0c, Buffer.from(s, 'utf8'))
const bool = (v: boolean) => tlv(0x01, Buffer.from([v ? 0xff : 0]))
const explicit = (n: number, c: Buffer) => tlv(0xa0 + n, c)

function utcTime(d: Date): Buffer {
  const p = (n: number) => String(n).padStart(2, '0')
  const s = `${p(d.getUTCFullYear() % 100)}${p(d.getUTCMonth() + 1)}${p(d.getUTCDate())}${p(d.getUTCHours())}${p(d.getUTCMinutes())}${p(d.getUTCSeconds())}Z`
  return tlv(0x17, Buffer.from(s, 'ascii'))
}

const name = (cn: string, org: string) => seq(set(seq(oid('2.5.4.10'), utf8(org))), set(seq(oid('2.5.4.3'), utf8(cn))))
const extension = (id: string, critical: boolean, value: Buffer) => seq(oid(id), ...(critical ? [bool(true)] : []), octets(value))
const ECDSA_SHA256 = seq(oid('1.2.840.10045.4.3.2'))

function certificate(opts: {subject: Buffer; issuer: Buffer; publicKey: KeyObject; signer: KeyObject; extensions: Buffer[]; days: number}): Buffer {
  const now = Date.now()
  const tbs = seq(
    explicit(0, integer(Buffer.from([2]))),
    integer(Buffer.concat([Buffer.from([0x01]), randomBytes(15)])),
    ECDSA_SHA256,
    opts.issuer,
    seq(utcTime(new Date(now - 3600_000)), utcTime(new Date(now + opts.days * 86400_000))),
    opts.subject,
    opts.publicKey.export({type: 'spki', format: 'der'}),
    explicit(3, seq(...opts.extensions)),
  )
  const signature = sign('sha256', tbs, opts.signer)
  return seq(tbs, ECDSA_SHA256, bitString(0, signature))
}

function pem(label: string, der: Buffer): string {
  const b64 = der.toString('base64').replace(/(.{64})/g, '$1\n')
  return `-----BEGIN ${label}-----\n${b64.replace(/\n$/, '')}\n-----END ${label}-----\n`
}

/** A CA valid 10 days and a server certificate for loopback signed by it. */
export function generateLabTls(): LabTls {
  const ca = generateKeyPairSync('ec', {namedCurve: 'prime256v1'})
  const server = generateKeyPairSync('ec', {namedCurve: 'prime256v1'})
  const caName = name('meshctl-lab-ca', 'meshctl lab')
  const caCert = certificate({
    subject: caName,
    issuer: caName,
    publicKey: ca.publicKey,
    signer: ca.privateKey,
    days: 10,
    extensions: [
      // basicConstraints CA:TRUE (critical); keyUsage keyCertSign + cRLSign (critical).
      extension('2.5.29.19', true, seq(bool(true))),
      extension('2.5.29.15', true, bitString(1, Buffer.from([0x06]))),
    ],
  })
  const serverCert = certificate({
    subject: name('meshctl-lab-apiserver', 'meshctl lab'),
    issuer: caName,
    publicKey: server.publicKey,
    signer: ca.privateKey,
    days: 10,
    extensions: [
      extension('2.5.29.19', true, seq()),
      // keyUsage digitalSignature (critical); extKeyUsage serverAuth.
      extension('2.5.29.15', true, bitString(7, Buffer.from([0x80]))),
      extension('2.5.29.37', false, seq(oid('1.3.6.1.5.5.7.3.1'))),
      // subjectAltName: IP 127.0.0.1, IP ::1, DNS localhost (Go ignores the CN).
      extension(
        '2.5.29.17',
        false,
        seq(tlv(0x87, Buffer.from([127, 0, 0, 1])), tlv(0x87, Buffer.from([...new Array(15).fill(0), 1])), tlv(0x82, Buffer.from('localhost'))),
      ),
    ],
  })
  const keyPem = server.privateKey.export({type: 'pkcs8', format: 'pem'}) as string
  return {caPem: pem('CERTIFICATE', caCert), certPem: pem('CERTIFICATE', serverCert), keyPem}
}
