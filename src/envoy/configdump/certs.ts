/**
 * Certificate facts from SDS secrets (node:crypto, no I/O), and private-key redaction so that nothing
 * meshctl prints, stores or snapshots ever carries a key.
 */
import {X509Certificate} from 'node:crypto'
import type {CertificateInfo, EnvoyMessage} from '../model.js'
import {redactSensitiveInPlace} from './sensitive.js'

export {REDACTED} from './sensitive.js'

/** DataSource → text. `inline_bytes` is base64 in proto-JSON; `inline_string` is the text itself. */
export function dataSourceText(ds: EnvoyMessage | undefined): string | undefined {
  if (!ds || typeof ds !== 'object') return undefined
  if (typeof ds.inline_string === 'string') return ds.inline_string
  if (typeof ds.inline_bytes === 'string') {
    const raw = ds.inline_bytes
    if (raw.includes('-----BEGIN')) return raw
    return Buffer.from(raw, 'base64').toString('utf8')
  }
  return undefined
}

const PEM_BLOCK = /-----BEGIN CERTIFICATE-----[\s\S]*?-----END CERTIFICATE-----/g

export interface ParsedCertificate extends CertificateInfo {
  isCA: boolean
}

/** Every certificate of a PEM bundle, in order (leaf first for chains). Unparsable blocks are skipped. */
export function parsePemCertificates(pem: string, now: Date = new Date()): ParsedCertificate[] {
  const out: ParsedCertificate[] = []
  for (const block of pem.match(PEM_BLOCK) ?? []) {
    try {
      const c = new X509Certificate(block)
      const notBefore = new Date(c.validFrom)
      const notAfter = new Date(c.validTo)
      out.push({
        // SPIFFE leaf certificates often have an empty subject (identity is in the URI SAN).
        subject: (c.subject ?? '').replace(/\n/g, ', '),
        issuer: (c.issuer ?? '').replace(/\n/g, ', '),
        serialNumber: serialHex(c.serialNumber),
        notBefore: rfc3339(notBefore),
        notAfter: rfc3339(notAfter),
        subjectAltNames: c.subjectAltName
          ? c.subjectAltName
              .split(/,\s*/)
              .map((s) => s.trim())
              .filter(Boolean)
          : [],
        valid: now >= notBefore && now <= notAfter,
        isCA: c.ca,
      })
    } catch {
      // A corrupt block is reported by the absence of info; the secret itself stays listed.
    }
  }
  return out
}

/** Serial as hex of its minimal big-endian bytes (what istioctl prints): lower case, even length. */
function serialHex(serial: string): string {
  const hex = serial.toLowerCase().replace(/^0+/, '') || '0'
  return hex.length % 2 ? `0${hex}` : hex
}

function rfc3339(d: Date): string {
  return d.toISOString().replace(/\.\d{3}Z$/, 'Z')
}

/** The PEM material of a Secret worth describing: the cert chain, else the trusted CA, else SPIFFE bundles. */
export function secretPemSources(secret: EnvoyMessage): {kind: 'tls_certificate' | 'trusted_ca' | 'trust_bundle'; pem: string; trustDomain?: string}[] {
  const chain = dataSourceText(secret.tls_certificate?.certificate_chain)
  if (chain) return [{kind: 'tls_certificate', pem: chain}]
  const vc = secret.validation_context
  const ca = dataSourceText(vc?.trusted_ca)
  if (ca) return [{kind: 'trusted_ca', pem: ca}]
  const domains = vc?.custom_validator_config?.typed_config?.trust_domains
  if (Array.isArray(domains)) {
    const out: {kind: 'trust_bundle'; pem: string; trustDomain?: string}[] = []
    for (const d of domains) {
      const pem = dataSourceText(d?.trust_bundle)
      if (pem) out.push({kind: 'trust_bundle', pem, trustDomain: d.name})
    }
    return out
  }
  return []
}

/**
 * Redacts, in place, every sensitive field of an SDS Secret by the rules of `sensitive.ts` (private keys and their
 * passwords, session-ticket keys, generic secrets, anything Envoy marks sensitive). Returns how many values were
 * redacted.
 */
export function redactSecret(secret: EnvoyMessage): number {
  const report = {count: 0, paths: []}
  redactSensitiveInPlace(secret, {}, report)
  return report.count
}
