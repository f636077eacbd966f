/**
 * Certificate checks istiod makes before it points a listener or policy at a Secret or ConfigMap
 * (pilot/pkg/credentials/kube/secrets.go ExtractCertInfo/ExtractRoot, Go's tls.X509KeyPair and
 * x509.CertPool.AppendCertsFromPEM). Pure: the bytes come from the parsed objects.
 */
import {X509Certificate, createPrivateKey} from 'node:crypto'
import type {KubeObject} from './types.js'

/** A Secret's data as bytes (data is base64; stringData is plain text and wins, as the API server merges it). */
export function secretData(secret: KubeObject): Map<string, Buffer> {
  const out = new Map<string, Buffer>()
  for (const [k, v] of Object.entries((secret.data ?? {}) as Record<string, unknown>)) out.set(k, Buffer.from(String(v ?? ''), 'base64'))
  for (const [k, v] of Object.entries((secret.stringData ?? {}) as Record<string, unknown>)) out.set(k, Buffer.from(String(v ?? ''), 'utf8'))
  return out
}

export function configMapData(cm: KubeObject): Map<string, Buffer> {
  const out = new Map<string, Buffer>()
  for (const [k, v] of Object.entries((cm.data ?? {}) as Record<string, unknown>)) out.set(k, Buffer.from(String(v ?? ''), 'utf8'))
  return out
}

const hasValue = (d: Map<string, Buffer>, ...keys: string[]) => keys.every((k) => (d.get(k)?.length ?? 0) > 0)
const hasKeys = (d: Map<string, Buffer>, ...keys: string[]) => keys.every((k) => d.has(k))

function truncatedKeys(d: Map<string, Buffer>): string {
  const keys = [...d.keys()].sort()
  return keys.length < 3 ? keys.join(', ') : `${keys.slice(0, 3).join(', ')}, and ${keys.length - 3} more...`
}

/** ExtractCertInfo: {cert, key} or the error istiod reports. */
export function extractCertInfo(d: Map<string, Buffer>): {cert: Buffer; key: Buffer} | {error: string} {
  if (hasValue(d, 'cert', 'key')) return {cert: d.get('cert')!, key: d.get('key')!}
  if (hasValue(d, 'tls.crt', 'tls.key')) return {cert: d.get('tls.crt')!, key: d.get('tls.key')!}
  if (hasKeys(d, 'cert', 'key')) return {error: 'found keys "cert" and "key", but they were empty'}
  if (hasKeys(d, 'tls.crt', 'tls.key')) return {error: 'found keys "tls.crt" and "tls.key", but they were empty'}
  return {error: `found secret, but didn't have expected keys (cert and key) or (tls.crt and tls.key); found: ${truncatedKeys(d)}`}
}

/** ExtractRoot / ExtractRootFromString. */
export function extractRoot(d: Map<string, Buffer>): {cert: Buffer} | {error: string} {
  if (hasValue(d, 'cacert')) return {cert: d.get('cacert')!}
  if (hasValue(d, 'ca.crt')) return {cert: d.get('ca.crt')!}
  if (hasKeys(d, 'cacert')) return {error: 'found key "cacert", but it was empty'}
  if (hasKeys(d, 'ca.crt')) return {error: 'found key "ca.crt", but it was empty'}
  return {error: `found secret, but didn't have expected keys cacert or ca.crt; found: ${truncatedKeys(d)}`}
}

function pemBlocks(pem: string, type: RegExp): string[] {
  const re = /-----BEGIN ([A-Z0-9 ]+)-----[\s\S]*?-----END \1-----/g
  const out: string[] = []
  for (const m of pem.matchAll(re)) if (type.test(m[1])) out.push(m[0])
  return out
}

/** tls.X509KeyPair: the first certificate parses and the private key parses and belongs to it. */
export function x509KeyPairError(cert: Buffer, key: Buffer): string | undefined {
  const certs = pemBlocks(cert.toString('utf8'), /^CERTIFICATE$/)
  if (certs.length === 0) return 'tls: failed to find any PEM data in certificate input'
  const keys = pemBlocks(key.toString('utf8'), /PRIVATE KEY$/)
  if (keys.length === 0) return 'tls: failed to find any PEM data in key input'
  try {
    const x = new X509Certificate(certs[0])
    const k = createPrivateKey(keys[0])
    if (!x.checkPrivateKey(k)) return 'tls: private key does not match public key'
  } catch (error) {
    return `x509: ${(error as Error).message}`
  }
  return undefined
}

/** x509.CertPool.AppendCertsFromPEM: at least one certificate parses. */
export function appendsCertsFromPEM(pem: Buffer): boolean {
  for (const block of pemBlocks(pem.toString('utf8'), /^CERTIFICATE$/)) {
    try {
      new X509Certificate(block)
      return true
    } catch {
      // keep looking, as Go does
    }
  }
  return false
}
