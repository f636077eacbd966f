import net from 'node:net'
import {Writable} from 'node:stream'
import type {ClientRequest, IncomingMessage} from 'node:http'
import WebSocket from 'ws'
import {ClusterAccessError} from '../errors.js'
import {apiStatusError, apiTransportError} from './errors.js'
import type {LoadedKubeConfig} from './kubeconfig.js'

/** The subprotocols client-node offers; the apiserver picks the newest it speaks (v4 for port-forward). */
const PROTOCOLS = ['v4.channel.k8s.io', 'v3.channel.k8s.io', 'v2.channel.k8s.io', 'channel.k8s.io']

export interface PortForwardOptions {
  /** Time to open the WebSocket to the apiserver (per connection). */
  connectTimeoutMs?: number
}

export interface PortForward {
  readonly host: '127.0.0.1'
  readonly localPort: number
  readonly namespace: string
  readonly pod: string
  readonly remotePort: number
  /**
   * The reason the last forwarded connection failed, as an exit-4 error (403 on pods/portforward, pod gone,
   * the kubelet's error channel saying the port is closed…), or undefined when nothing went wrong on the forward side.
   */
  lastFailure(sinceMs?: number): ClusterAccessError | undefined
  /** Open local sockets + WebSockets (for leak checks). */
  openCount(): number
  /** Closes the listener, every local socket and every WebSocket. Idempotent. */
  close(): Promise<void>
}

/**
 * Port-forwards a loopback listener (127.0.0.1, ephemeral port) to a pod port with client-node's PortForward:
 * one WebSocket (`v4.channel.k8s.io`, data channel 0 + error channel 1) per local connection, as kubectl does.
 * We give PortForward our own WebSocket handler so that a refused upgrade keeps its body (the 403 text names the
 * missing RBAC verb) and so that every socket is tracked and closed.
 */
export async function openPortForward(
  cfg: LoadedKubeConfig,
  namespace: string,
  pod: string,
  remotePort: number,
  opts: PortForwardOptions = {},
): Promise<PortForward> {
  // The module alone: the package index loads the whole generated API client (~1.5 s) for nothing here.
  const {PortForward: ClientPortForward} = await import('@kubernetes/client-node/dist/portforward.js')
  const sockets = new Set<net.Socket>()
  const webSockets = new Set<WebSocket>()
  let failure: ClusterAccessError | undefined
  let failureAt = 0
  const fail = (e: ClusterAccessError) => {
    failure = e
    failureAt = Date.now()
  }
  let closed = false
  const podRef = `${namespace}/${pod}`
  const connectTimeoutMs = opts.connectTimeoutMs ?? 10_000

  const handler = {
    async connect(path: string, _text: unknown, binaryHandler: (stream: number, buff: Buffer) => boolean): Promise<WebSocket> {
      const uri = cfg.server.replace(/^http/, 'ws').replace(/\/+$/, '') + path
      const wsOpts: Record<string, any> = {}
      await cfg.applyToHTTPSOptions(wsOpts)
      const startedAt = Date.now()
      return await new Promise<WebSocket>((resolve, reject) => {
        const ws = new WebSocket(uri, PROTOCOLS, {...wsOpts, handshakeTimeout: connectTimeoutMs})
        webSockets.add(ws)
        let opened = false
        ws.on('unexpected-response', (req: ClientRequest, res: IncomingMessage) => {
          const chunks: Buffer[] = []
          res.on('data', (c: Buffer) => chunks.length < 64 && chunks.push(c))
          res.on('end', () => {
            const body = Buffer.concat(chunks).toString('utf8')
            let f = apiStatusError(res.statusCode ?? 0, body, {
              what: `port-forward to pod ${podRef} port ${remotePort}`,
              method: 'POST',
              path,
              server: cfg.server,
              contextName: cfg.contextName,
            })
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
          opened = true
          resolve(ws)
        })
        ws.on('error', (err) => {
          if (!opened && !(failure && failureAt >= startedAt)) {
            fail(
              apiTransportError(err, {
                what: `port-forward to pod ${podRef} port ${remotePort}`,
                method: 'POST',
                path,
                server: cfg.server,
                contextName: cfg.contextName,
              }),
            )
          }
          if (!opened) reject(failure ?? err)
        })
        ws.on('close', () => {
          webSockets.delete(ws)
          if (!opened) reject(failure ?? new Error('WebSocket closed before it opened'))
        })
        ws.on('message', (data: Buffer) => {
          const buf = Buffer.isBuffer(data) ? data : Buffer.from(data as any)
          if (buf.length === 0) return
          if (!binaryHandler(buf.readUInt8(0), buf.subarray(1))) ws.close()
        })
      })
    },
  }

  // PortForward only hands the config to its default handler; ours replaces it.
  const forwarder = new ClientPortForward(undefined as never, true, handler as any)
  const server = net.createServer((socket) => {
    if (closed) {
      socket.destroy()
      return
    }
    sockets.add(socket)
    socket.pause()
    socket.on('close', () => sockets.delete(socket))
    socket.on('error', () => socket.destroy())
    const errText: Buffer[] = []
    const errStream = new Writable({
      write(chunk: Buffer, _enc, cb) {
        errText.push(Buffer.from(chunk))
        const text = Buffer.concat(errText).toString('utf8').trim()
        if (text) fail(errorChannelFailure(text, podRef, remotePort))
        cb()
      },
    })
    forwarder
      .portForward(namespace, pod, [remotePort], socket, errStream, socket)
      .then((ws) => {
        const w = ws as WebSocket
        socket.resume()
        // The WebSocket may close right after its last data frame: end() flushes what is still buffered towards
        // the local client (destroy() would drop the tail of a large response), then the socket is torn down.
        const end = () => {
          if (socket.destroyed) return
          socket.end()
          setTimeout(() => socket.destroy(), 1000).unref()
        }
        w.on('close', end)
        socket.on('close', () => {
          if (w.readyState === WebSocket.OPEN || w.readyState === WebSocket.CONNECTING) w.terminate()
        })
      })
      .catch(() => {
        // The failure is recorded; the admin client turns the dropped socket into that error.
        socket.destroy()
      })
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
    lastFailure: (sinceMs = 0) => (failure && failureAt >= sinceMs ? failure : undefined),
    openCount: () => sockets.size + webSockets.size,
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
function errorChannelFailure(text: string, podRef: string, remotePort: number): ClusterAccessError {
  if (/connection refused|connect: /i.test(text)) {
    return new ClusterAccessError(`nothing listens on port ${remotePort} in pod ${podRef} (the Envoy admin port is closed): ${text}`, [
      `is the istio-proxy container running and ready? kubectl get pod ${podRef.split('/')[1]} -n ${podRef.split('/')[0]}`,
      'if the proxy uses another admin port, pass --admin-port',
    ])
  }
  return new ClusterAccessError(`port-forward to pod ${podRef} port ${remotePort} failed: ${text}`, [
    `check the pod: kubectl describe pod ${podRef.split('/')[1]} -n ${podRef.split('/')[0]}`,
  ])
}
