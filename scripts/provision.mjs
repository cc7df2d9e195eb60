#!/usr/bin/env node
// Makes sure the system programs the tests drive for real are installed (Debian packages). Installs the missing
// ones with apt when running as root or with password-less sudo; otherwise stops naming them and the command.
// It never lets a test skip silently for want of a program.
import { execFileSync, spawnSync } from 'node:child_process'
import { existsSync, readdirSync } from 'node:fs'

const postgresBin = () => {
  const base = '/usr/lib/postgresql'
  return existsSync(base) && readdirSync(base).some((v) => existsSync(`${base}/${v}/bin/postgres`))
}
const onPath = (command) => spawnSync('sh', ['-c', `command -v ${command}`], { stdio: 'ignore' }).status === 0
const pythonModule = (module) => spawnSync('/usr/bin/python3', ['-c', `import ${module}`], { stdio: 'ignore' }).status === 0

/** Debian package → how to tell it is there. Keep in step with CONTRIBUTING.md. */
export const systemPackages = {
  chromium: () => existsSync('/usr/bin/chromium'),
  unzip: () => onPath('unzip'),
  haproxy: () => onPath('haproxy') || existsSync('/usr/sbin/haproxy'),
  nginx: () => onPath('nginx') || existsSync('/usr/sbin/nginx'),
  postgresql: postgresBin,
  'redis-server': () => onPath('redis-server'),
  radosgw: () => onPath('radosgw'),
  'ceph-mon': () => onPath('ceph-mon'),
  'ceph-osd': () => onPath('ceph-osd'),
  'python3-aiosmtpd': () => pythonModule('aiosmtpd'),
  systemd: () => onPath('systemd-analyze'),
}

function main () {
  const missing = Object.entries(systemPackages).filter(([, present]) => !present()).map(([name]) => name)
  if (missing.length === 0) {
    console.log('provision: all system packages present')
    return
  }
  const install = ['apt-get', 'install', '-y', '--no-install-recommends', ...missing]
  const isRoot = process.getuid?.() === 0
  const canSudo = !isRoot && onPath('sudo') && spawnSync('sudo', ['-n', 'true'], { stdio: 'ignore' }).status === 0
  if (!onPath('apt-get') || (!isRoot && !canSudo)) {
    console.error(`provision: missing system packages: ${missing.join(', ')}\ninstall them with:\n  sudo apt-get update && sudo ${install.join(' ')}`)
    process.exit(1)
  }
  const prefix = isRoot ? [] : ['sudo', '-n']
  console.log(`provision: installing ${missing.join(', ')}`)
  const env = { ...process.env, DEBIAN_FRONTEND: 'noninteractive' }
  const runApt = (args) => execFileSync(prefix[0] ?? args[0], prefix.length ? [...prefix.slice(1), ...args] : args.slice(1), { stdio: 'inherit', env })
  runApt(['apt-get', 'update', '-qq'])
  runApt([...install, '-qq'])
  const stillMissing = missing.filter((name) => !systemPackages[name]())
  if (stillMissing.length) {
    console.error(`provision: still missing after apt-get install: ${stillMissing.join(', ')}`)
    process.exit(1)
  }
}

main()
