import { rmSync, writeFileSync } from 'node:fs'
import Fastify, { type FastifyInstance } from 'fastify'
import { request } from 'undici'
import { afterEach, describe, expect, it } from 'vitest'
import healthWatchdog from '../src/index.js'
import { maintenancePath } from './helpers/app.js'
import { freePort, startHaproxy } from '../../../test-support/haproxy.js'

const INTER = 300
const FALL = 2
/**
 * The first failing check comes within `inter` of the file appearing and `fall - 1` more follow at `inter`, so
 * the node is out within inter × fall; this margin covers the request in flight and event-loop delays on a
 * loaded 2-core CI box.
 */
const MARGIN = 300

interface Node {
  name: string
  app: FastifyInstance
  port: number
  agentPort: number
  maintenanceFile: string
  slowStarted: boolean
}

const cleanups: Array<() => Promise<void>> = []
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup()
})

async function startNode (name: string): Promise<Node> {
  const maintenanceFile = maintenancePath()
  const app = Fastify()
  await app.register(healthWatchdog, { maintenanceFile, drainDelay: 0, agentCheck: { port: 0 } })
  const node: Node = { name, app, port: 0, agentPort: 0, maintenanceFile, slowStarted: false }
  app.get('/who', async () => name)
  app.get('/slow', async () => {
    node.slowStarted = true
    await new Promise((resolve) => setTimeout(resolve, 3000))
    return name
  })
  await app.listen({ port: 0, host: '127.0.0.1' })
  cleanups.push(() => app.close())
  node.port = (app.server.address() as { port: number }).port
  node.agentPort = app.healthWatchdog.agentCheckAddress()!.port
  return node
}

const get = async (url: string) => {
  const res = await request(url, { reset: true })
  return { status: res.statusCode, body: await res.body.text() }
}

function config (frontendPort: number, servers: string): string {
  return `global
  maxconn 100
defaults
  mode http
  timeout connect 1s
  timeout client 10s
  timeout server 10s
frontend fe
  bind 127.0.0.1:${frontendPort}
  default_backend be
backend be
  balance roundrobin
${servers}
`
}

/** Sends requests one after another until both nodes have answered (HAProxy has seen both up). */
async function waitForBoth (url: string): Promise<void> {
  const seen = new Set<string>()
  const deadline = Date.now() + 10_000
  while (seen.size < 2) {
    if (Date.now() > deadline) throw new Error(`only ${[...seen].join()} answered`)
    const res = await get(`${url}/who`)
    if (res.status === 200) seen.add(res.body)
    await new Promise((resolve) => setTimeout(resolve, 20))
  }
}

/** Requests for `duration` ms, each tagged with when it was answered relative to `since`. */
async function sample (url: string, since: number, duration: number) {
  const answers: Array<{ at: number, body: string, status: number }> = []
  const end = performance.now() + duration
  while (performance.now() < end) {
    const res = await get(`${url}/who`)
    answers.push({ at: performance.now() - since, ...res })
    await new Promise((resolve) => setTimeout(resolve, 10))
  }
  return answers
}

describe('real HAProxy in front of two instances', () => {
  it('httpchk: the maintenance file moves every new request to the other node within inter × fall, while a running request completes', async () => {
    const nodes = [await startNode('a'), await startNode('b')]
    const frontend = await freePort()
    const haproxy = await startHaproxy(config(frontend, `  option httpchk
  http-check send meth GET uri /healthz
  http-check expect status 200
  default-server inter ${INTER} fall ${FALL} rise 2
${nodes.map((n) => `  server ${n.name} 127.0.0.1:${n.port} check`).join('\n')}`), frontend)
    cleanups.push(haproxy.stop)
    const url = `http://127.0.0.1:${frontend}`
    await waitForBoth(url)

    const slow = get(`${url}/slow`)
    while (!nodes.some((n) => n.slowStarted)) await new Promise((resolve) => setTimeout(resolve, 5))
    const drained = nodes.find((n) => n.slowStarted)!
    const other = nodes.find((n) => n !== drained)!

    const since = performance.now()
    writeFileSync(drained.maintenanceFile, 'HAProxy test\n')
    const answers = await sample(url, since, INTER * FALL + MARGIN + 700)
    expect(answers.every((a) => a.status === 200)).toBe(true)
    const lastOnDrained = Math.max(0, ...answers.filter((a) => a.body === drained.name).map((a) => a.at))
    expect(lastOnDrained).toBeLessThan(INTER * FALL + MARGIN)
    const late = answers.filter((a) => a.at > INTER * FALL + MARGIN)
    expect(late.length).toBeGreaterThan(5)
    expect(late.map((a) => a.body)).toEqual(late.map(() => other.name))

    const slowAnswer = await slow
    expect(slowAnswer).toEqual({ status: 200, body: drained.name })
  })

  it('agent-check: maintenance drains the node through the agent port and leaving it brings the node back', async () => {
    const nodes = [await startNode('a'), await startNode('b')]
    const frontend = await freePort()
    // No httpchk: only the agent decides, so this proves the agent protocol on its own.
    const haproxy = await startHaproxy(config(frontend, `  default-server inter 1000 fall ${FALL} rise 2
${nodes.map((n) => `  server ${n.name} 127.0.0.1:${n.port} check agent-check agent-port ${n.agentPort} agent-inter ${INTER}`).join('\n')}`), frontend)
    cleanups.push(haproxy.stop)
    const url = `http://127.0.0.1:${frontend}`
    await waitForBoth(url)

    const [drained, other] = nodes as [Node, Node]
    const since = performance.now()
    writeFileSync(drained.maintenanceFile, '')
    const answers = await sample(url, since, INTER + MARGIN + 700)
    // The agent is asked every agent-inter and one `drain` answer is enough.
    const lastOnDrained = Math.max(0, ...answers.filter((a) => a.body === drained.name).map((a) => a.at))
    expect(lastOnDrained).toBeLessThan(INTER + MARGIN)
    const late = answers.filter((a) => a.at > INTER + MARGIN)
    expect(late.length).toBeGreaterThan(5)
    expect(late.map((a) => a.body)).toEqual(late.map(() => other.name))

    rmSync(drained.maintenanceFile)
    await waitForBoth(url)
  })
})
