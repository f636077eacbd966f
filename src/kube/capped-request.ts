/**
 * One HTTP exchange with the two limits every call meshctl makes must have: a deadline and a cap on the body size.
 * Shared by the Kubernetes API client and the Envoy admin client, which turn the typed failure into their own
 * exit-4 message (what was asked, of whom, and what to do next).
 */
import type {ClientRequest, IncomingMessage, RequestOptions} from 'node:http'

export type CappedFailure =
  | {kind: 'timeout'}
  | {kind: 'too-big'; bytes: number}
  /** The connection failed or dropped before the whole body arrived (cause: the socket error, or 'aborted'/'incomplete'). */
  | {kind: 'transport'; cause: Error}

export class CappedRequestError extends Error {
  constructor(readonly failure: CappedFailure) {
    super(failure.kind === 'transport' ? failure.cause.message : failure.kind)
  }
}

export interface CappedResponse {
  status: number
  body: string
}

export function cappedRequest(
  request: (options: RequestOptions) => ClientRequest,
  options: RequestOptions,
  limits: {timeoutMs: number; maxBytes: number},
): Promise<CappedResponse> {
  return new Promise<CappedResponse>((resolve, reject) => {
    let settled = false
    const fail = (failure: CappedFailure) => {
      if (settled) return
      settled = true
      clearTimeout(timer)
      req.destroy()
      reject(new CappedRequestError(failure))
    }
    const req = request(options)
    const timer = setTimeout(() => fail({kind: 'timeout'}), limits.timeoutMs)
    req.on('error', (cause) => fail({kind: 'transport', cause}))
    req.on('response', (res: IncomingMessage) => {
      const chunks: Buffer[] = []
      let size = 0
      res.on('data', (c: Buffer) => {
        size += c.length
        if (size > limits.maxBytes) return fail({kind: 'too-big', bytes: size})
        chunks.push(c)
      })
      res.on('aborted', () => fail({kind: 'transport', cause: new Error('aborted')}))
      res.on('error', (cause) => fail({kind: 'transport', cause}))
      res.on('end', () => {
        if (settled) return
        // A body cut short (content-length not reached, chunked stream not terminated) is a dropped transfer.
        if (!res.complete) return fail({kind: 'transport', cause: new Error('incomplete response')})
        settled = true
        clearTimeout(timer)
        resolve({status: res.statusCode ?? 0, body: Buffer.concat(chunks).toString('utf8')})
      })
    })
    req.end()
  })
}
