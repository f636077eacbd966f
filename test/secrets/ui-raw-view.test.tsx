import React from 'react'
import {afterEach, describe, expect, it} from 'vitest'
import {cleanup, render} from 'ink-testing-library'
import {App} from '../../src/ui/app.js'
import {singleProxyDataSource} from '../../src/ui/data-source.js'
import {bookinfoState, fakeExplain, withExplain} from '../ui/fixtures.js'
import {M} from './markers.js'
import {until} from '../helpers/frames.js'

afterEach(() => cleanup())

describe('the UI raw view (y) redacts by the same rules as snapshots', () => {
  it('a state that was never through the parser (sensitive values in a cluster) shows [redacted] in JSON and YAML', async () => {
    const state = bookinfoState()
    for (const c of state.dump.clusters) {
      // First key, so it is on screen: upstream TLS with an inline key, session-ticket keys, an Authorization header.
      c.cluster = {
        transport_socket: {
          typed_config: {
            common_tls_context: {tls_certificates: [{private_key: {inline_string: M.clusterPrivateKey}}]},
            session_ticket_keys: {keys: [{inline_bytes: M.listenerSessionTicket}]},
          },
        },
        request_headers_to_add: [{header: {key: 'authorization', value: `Bearer ${M.routeAuthorization}`}}],
        ...c.cluster,
      }
    }
    const ds = singleProxyDataSource({label: 'f', load: async () => state, close: async () => {}}, {saveSnapshot: async () => 'x'})
    const r = render(<App source={withExplain(ds, fakeExplain)} color={false} width={160} height={60} />)
    await until(r.lastFrame, /Routes 2/)
    r.stdin.write('\t')
    // The clusters table must be on screen before `y`, or the raw view opens on the route under the cursor.
    await until(r.lastFrame, /DESTINATION RULE/)
    r.stdin.write('y')
    const json = await until(r.lastFrame, /^JSON/m)
    expect(json).toMatch(/"inline_string": "\[redacted\]"/)
    expect(json).toMatch(/"value": "\[redacted\]"/)
    r.stdin.write('y')
    const yaml = await until(r.lastFrame, /^YAML/m)
    expect(yaml).toMatch(/inline_bytes: "?\[redacted\]/)
    for (const frame of [json, yaml]) for (const m of [M.clusterPrivateKey, M.listenerSessionTicket, M.routeAuthorization]) expect(frame).not.toContain(m)
  })
})
