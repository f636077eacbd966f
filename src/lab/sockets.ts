import type {Server} from 'node:http'
import type {Socket} from 'node:net'

/**
 * The lab's servers keep their open connections: to count them (tests prove meshctl closes what it opens) and to
 * destroy them on close. A client that goes away mid-transfer (Ctrl-C, a timeout, a size cap) must not take the lab
 * down, so a socket error only ends that socket.
 */
export function trackSockets(server: Server): Set<Socket> {
  const sockets = new Set<Socket>()
  server.on('connection', (s: Socket) => {
    sockets.add(s)
    s.on('close', () => sockets.delete(s))
    s.on('error', () => s.destroy())
  })
  return sockets
}
