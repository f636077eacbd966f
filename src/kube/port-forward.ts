import net from 'node:net'
import type {ClientRequest, IncomingMessage} from 'node:http'
import type WebSocket from 'ws'
import {ClusterAccessError} from '../errors.js'
import {apiStatusError, apiTransportError} from './errors.js'
import {scrubKubeCredentials, type LoadedKubeConfig} from './kubeconfig.js'

/** The subprotocols client-node offers; the apiserver picks the newest it speaks (v4 for port-forward). */
const PROTOCOLS = ['v4.channel.k8s.io', 'v3.channel.k8s.io', 'v2.channel.k8s.io', 'channel.k8s.io']

/**
 * TCP streams one WebSocket carries to the pod port: the kubelet opens one connection per `ports=` value (the same
 * port may be named several times), on channels 2i (data) and 2i+1 (error). Four covers the widest stage of a live
 * read (bootstrap, server info, listeners and route tables together), so one forward per proxy carries every request
 * of a command.
 */
export const STREAMS_PER_FORWARD = 4

export interface PortForwardOptions {
  /** Time to open the WebSocket to the apiserver (per connection). */
  connectTimeoutMs?: number
  /** TCP streams per WebSocket (default STREAMS_PER_FORWARD). */
  streams?: number
  /** What the pod port is, for messages (default: the Envoy admin port, with --admin-port as the fix). */
  portRole?: {name: string; hint: string}
}

export interface PortForward {
  readonly host: '127.0.0.1'
  readonly localPort: number
  readonly namespace: string
  readonly pod: string
  readonly remotePort: number
  /** Streams per WebSocket: the most local connections that share one forward. */
  readonly streams: number
  /**
   * The reason the last forwarded connection failed, as an exit-4 error (403 on pods/portforward, pod gone,
   * the kubelet's error channel saying the port is closed…), or undefined when nothing went wrong on the forward side.
   */
  lastFailure(sinceMs?: number): ClusterAccessError | undefined
  /** Open local sockets + WebSockets (for leak checks). */
  openCount(): number
  /** WebSockets opened so far (one per `streams` local connections). */
  webSocketsOpened(): number
  /** Closes the listener, every local socket and every WebSocket. Idempotent. */
  close(): Promise<void>
}

/** One WebSocket to the pod and the local sockets riding its streams. */
interface Tunnel {
  ws?: WebSocket
  ready: Promise<WebSocket>
  /** Local socket per stream index (undefined: not yet handed out). */
  slots: (net.Socket | undefined)[]
  /** Stream indexes handed out so far; a stream is used once (v4 has no per-stream close). */
  used: number
  live: number
  /** Per channel: has the 2-byte port prefix been read? */
  prefixRead: Set<number>
  errText: Map<number, Buffer[]>
}

/**
 * Port-forwards a loopback listener (127.0.0.1, ephemeral port) to a pod port over the apiserver's WebSocket
 * port-forward (`v4.channel.k8s.io`), as client-node's PortForward does, but with several streams per WebSocket:
 * the URL names the port once per stream (`ports=15000&ports=15000…`) and local connection i rides data channel 2i
 * and error channel 2i+1. client-node's PortForward refuses more than one port per WebSocket, so the framing lives
 * here; credentials still come from the kubeconfig through client-node (applyToHTTPSOptions). A refused upgrade keeps
 * its body (the 403 text names the missing RBAC verb) and every socket is tracked and closed.
 */
export async function openPortForward(
  cfg: LoadedKubeConfig,
  namespace: string,
  pod: string,
  remotePort: number,
  opts: PortForwardOptions = {},
): Promise<PortForward> {
  const streams = Math.max(1, Math.floor(opts.streams ?? STREAMS_PER_FORWARD))
  // ws loads with the first port-forward only: commands on files never pay for it.
  const {default: WebSocketClient} = await import('ws')
  const sockets = new Set<net.Socket>()
  const webSockets = new Set<WebSocket>()
  let opened = 0
  let failure: ClusterAccessError | undefined
  let failureAt = 0
  const fail = (e: ClusterAccessError) => {
    failure = e
    failureAt = Date.now()
  }
  let closed = false
  const podRef = `${namespace}/${pod}`
  const connectTimeoutMs = opts.connectTimeoutMs ?? 10_000
  const path = `/api/v1/namespaces/${encodeURIComponent(namespace)}/pods/${encodeURIComponent(pod)}/portforward?${Array.from({length: streams}, () => `ports=${remotePort}`).join('&')}`
  const callContext = {what: `port-forward to pod ${podRef} port ${remotePort}`, method: 'POST', path, server: cfg.server, contextName: cfg.contextName}

  function openTunnel(): Tunnel {
    const tunnel: Tunnel = {slots: new Array(streams).fill(undefined), used: 0, live: 0, prefixRead: new Set(), errText: new Map(), ready: undefined as never}
    tunnel.ready = (async () => {
      const uri = cfg.server.replace(/^http/, 'ws').replace(/\/+$/, '') + path
      const wsOpts: Record<string, any> = {}
      try {
        await cfg.applyToHTTPSOptions(wsOpts)
      } catch (error) {
        // The same words as every other API call, without the credentials a plugin may have echoed.
        throw new ClusterAccessError(
          `cannot use the credentials of context "${cfg.contextName}": ${scrubKubeCredentials(String((error as Error)?.message ?? error), cfg)}`,
          ['check the user entry of the kubeconfig (exec plugin installed? files readable?)'],
        )
      }
      const startedAt = Date.now()
      return await new Promise<WebSocket>((resolve, reject) => {
        const ws = new WebSocketClient(uri, PROTOCOLS, {...wsOpts, handshakeTimeout: connectTimeoutMs})
        tunnel.ws = ws
        webSockets.add(ws)
        opened++
        let isOpen = false
        ws.on('unexpected-response', (req: ClientRequest, res: IncomingMessage) => {
          const chunks: Buffer[] = []
          res.on('data', (c: Buffer) => chunks.length < 64 && chunks.push(c))
          res.on('end', () => {
            const body = Buffer.concat(chunks).toString('utf8')
            let f = apiStatusError(res.statusCode ?? 0, body, callContext)
            if (res.statusCode === 404) {
              f = new ClusterAccessError(`pod ${podRef} was not found when opening the port-forward (it may have been deleted or restarted)`, [
                `list the pods: kubectl get pods -n ${namespace}`,
              ])
            }
            fail(f)
            req.destroy()
            ws.terminate()
          })
        })
        ws.on('open', () => {
          isOpen = true
          resolve(ws)
        })
        ws.on('error', (err) => {
          if (!isOpen && !(failure && failureAt >= startedAt)) fail(apiTransportError(err, callContext))
          if (!isOpen) reject(failure ?? err)
        })
        ws.on('close', () => {
          webSockets.delete(ws)
          if (!isOpen) reject(failure ?? new Error('WebSocket closed before it opened'))
          // The WebSocket may close right after its last data frame: end() flushes what is still buffered towards
          // the local client (destroy() would drop the tail of a large response), then the socket is torn down.
          for (const s of tunnel.slots) {
            if (!s || s.destroyed) continue
            s.end()
            setTimeout(() => s.destroy(), 1000).unref()
          }
          if (current === tunnel) current = undefined
        })
        ws.on('message', (data: Buffer) => {
          const buf = Buffer.isBuffer(data) ? data : Buffer.from(data as any)
          if (buf.length === 0) return
          const channel = buf.readUInt8(0)
          let payload = buf.subarray(1)
          const stream = channel >> 1
          if (stream >= streams) return
          // The first frame of each channel starts with the port number (2 bytes, little-endian).
          if (!tunnel.prefixRead.has(channel)) {
            tunnel.prefixRead.add(channel)
            payload = payload.subarray(2)
          }
          if (payload.length === 0) return
          const socket = tunnel.slots[stream]
          if (channel % 2 === 1) {
            const parts = tunnel.errText.get(stream) ?? []
            parts.push(Buffer.from(payload))
            tunnel.errText.set(stream, parts)
            const text = Buffer.concat(parts).toString('utf8').trim()
            if (text) fail(errorChannelFailure(text, podRef, remotePort, opts.portRole))
            // The kubelet gave up on this stream: the local client sees a dropped connection, explained by lastFailure.
            socket?.destroy()
            return
          }
          if (socket && !socket.destroyed) socket.write(payload)
        })
      })
    })()
    // A tunnel that failed to open is not reused.
    tunnel.ready.catch(() => {
      if (current === tunnel) current = undefined
    })
    return tunnel
  }

  let current: Tunnel | undefined

  const server = net.createServer((socket) => {
    if (closed) {
      socket.destroy()
      return
    }
    sockets.add(socket)
    socket.pause()
    socket.on('error', () => socket.destroy())
    if (!current || current.used >= streams) current = openTunnel()
    const tunnel = current
    const stream = tunnel.used++
    tunnel.slots[stream] = socket
    tunnel.live++
    // Every stream of a tunnel handed out and closed: the WebSocket has nothing left to carry.
    const release = () => {
      sockets.delete(socket)
      tunnel.live--
      if (tunnel.used >= streams && tunnel.live === 0) {
        const w = tunnel.ws
        if (w && (w.readyState === w.OPEN || w.readyState === w.CONNECTING)) w.terminate()
      }
    }
    socket.on('close', release)
    tunnel.ready.then(
      (ws) => {
        if (socket.destroyed) return
        socket.on('data', (chunk: Buffer) => {
          if (ws.readyState === ws.OPEN) ws.send(Buffer.concat([Buffer.from([stream * 2]), chunk]))
        })
        socket.resume()
      },
      // The failure is recorded; the admin client turns the dropped socket into that error.
      () => socket.destroy(),
    )
  })

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject)
    server.listen(0, '127.0.0.1', () => resolve())
  })
  const localPort = (server.address() as net.AddressInfo).port

  return {
    host: '127.0.0.1',
    localPort,
    namespace,
    pod,
    remotePort,
    streams,
    lastFailure: (sinceMs = 0) => (failure && failureAt >= sinceMs ? failure : undefined),
    openCount: () => sockets.size + webSockets.size,
    webSocketsOpened: () => opened,
    async close() {
      if (closed) return
      closed = true
      for (const s of sockets) s.destroy()
      for (const w of webSockets) w.terminate()
      await new Promise<void>((resolve) => server.close(() => resolve()))
    },
  }
}
/** The kubelet reports a closed pod port on the error channel; say it in terms of the Envoy admin port. */
function errorChannelFailure(text: string, podRef: string, remotePort: number, role?: {name: string; hint: string}): ClusterAccessError {
  if (/connection refused|connect: /i.test(text)) {
    return new ClusterAccessError(`nothing listens on port ${remotePort} in pod ${podRef} (${role?.name ?? 'the Envoy admin port'} is closed): ${text}`, [
      `is the ${role ? 'container' : 'istio-proxy container'} running and ready? kubectl get pod ${podRef.split('/')[1]} -n ${podRef.split('/')[0]}`,
      role?.hint ?? 'if the proxy uses another admin port, pass --admin-port',
    ])
  }
  return new ClusterAccessError(`port-forward to pod ${podRef} port ${remotePort} failed: ${text}`, [
    `check the pod: kubectl describe pod ${podRef.split('/')[1]} -n ${podRef.split('/')[0]}`,
  ])
}
