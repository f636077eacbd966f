// Runs the lab in a worker thread so that the test's main thread can block in runCli (spawnSync) while the lab
// keeps serving. Uses the built lab (dist/), like runCli uses the built CLI.
import {parentPort, workerData} from 'node:worker_threads'
import {startLab} from '../../dist/lab/lab.js'

const lab = await startLab({scenario: workerData.scenario})
parentPort.on('message', async (msg) => {
  const reply = (value) => parentPort.postMessage({id: msg.id, value})
  try {
    switch (msg.cmd) {
      case 'apiFaults':
        lab.api.faults = msg.faults
        return reply(true)
      case 'adminFaults':
        for (const ref of lab.admins.keys()) lab.setAdminFaults(ref, ref.split('/')[1].startsWith(msg.pod ?? '') ? msg.faults : {})
        return reply(true)
      case 'closeAdminPort': {
        const ref = lab.scenario.podRefs.find((r) => r.split('/')[1].startsWith(msg.pod))
        await lab.closeAdminPort(ref)
        return reply(ref)
      }
      case 'open': {
        for (let i = 0; i < 100 && lab.openConnections() > 0; i++) await new Promise((r) => setTimeout(r, 10))
        return reply(lab.openConnections())
      }
      case 'log':
        return reply(lab.api.log.slice())
      case 'close':
        await lab.close()
        return reply(true)
    }
  } catch (error) {
    parentPort.postMessage({id: msg.id, error: String(error)})
  }
})
parentPort.postMessage({ready: true, kubeconfig: lab.kubeconfigPath, pods: lab.scenario.podRefs})
