#!/usr/bin/env bash
# A throw-away Ceph RADOS Gateway (an S3 server) on loopback, for tests and benchmarks.
#
#   scripts/ceph-rgw.sh start <dir> [port] [env-file]
#       Builds a single-node cluster in <dir> (created; must not hold a running cluster): one monitor, one OSD on
#       memstore (objects live in RAM), pool size 1, cephx auth, radosgw with the beast frontend on
#       127.0.0.1:<port> (default: a free port), and an S3 user. Waits until the gateway answers, then prints
#       (and writes to <env-file>, default <dir>/s3.env) shell-sourceable lines:
#         S3_ENDPOINT=http://127.0.0.1:<port>  S3_REGION=us-east-1  S3_ACCESS_KEY_ID=…  S3_SECRET_ACCESS_KEY=…
#       Ready in ~10-15 s. Logs are in <dir>/log/ when something fails.
#   scripts/ceph-rgw.sh stop <dir> [--keep]
#       Stops the daemons started in <dir> and removes <dir> (kept with --keep, e.g. to read the logs).
#
# Environment: CEPH_MEMSTORE_BYTES (RAM the OSD may fill, default 4 GiB), S3_ACCESS_KEY_ID and
# S3_SECRET_ACCESS_KEY (default: random). Needs the Debian packages radosgw, ceph-mon, ceph-osd and node (free
# ports, readiness); runs as any user (no /etc/ceph, no /var/lib/ceph). Disabling cephx does not work with
# radosgw, hence the keyring.
set -euo pipefail

usage () { sed -n '2,17p' "$0" | sed 's/^# \{0,1\}//' >&2; exit 2; }

free_port () {
  node -e 'const s = require("net").createServer().listen(0, "127.0.0.1", () => { console.log(s.address().port); s.close() })'
}

random_token () { # <length> characters of [A-Z0-9] or [a-zA-Z0-9]
  local set=$2
  LC_ALL=C tr -dc "$set" </dev/urandom | head -c "$1" || true
}

wait_for () { # <seconds> <description> <command…>
  local limit=$1 what=$2; shift 2
  local deadline=$((SECONDS + limit))
  until "$@" >/dev/null 2>&1; do
    if ((SECONDS >= deadline)); then
      echo "ceph-rgw: timed out after ${limit}s waiting for $what (logs: $dir/log)" >&2
      return 1
    fi
    sleep 0.2
  done
}

gateway_answers () { # <port>: an anonymous ListBuckets answers 200
  node -e 'fetch(`http://127.0.0.1:${process.argv[1]}/`).then((r) => process.exit(r.ok ? 0 : 1), () => process.exit(1))' "$1"
}

stop_cluster () {
  local name pid
  # radosgw first, then the OSD, then the monitor: each needs the next to shut down cleanly and fast.
  for name in client.rgw.a osd.0 mon.a; do
    [[ -f "$dir/run/$name.pid" ]] || continue
    pid=$(cat "$dir/run/$name.pid")
    kill "$pid" 2>/dev/null || continue
    for _ in $(seq 1 50); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
    kill -9 "$pid" 2>/dev/null || true
  done
}

start_cluster () {
  local port=$1 env_file=$2
  if [[ -f "$dir/run/mon.a.pid" ]] && kill -0 "$(cat "$dir/run/mon.a.pid")" 2>/dev/null; then
    echo "ceph-rgw: a cluster is already running in $dir" >&2
    exit 1
  fi
  rm -rf "$dir"
  mkdir -p "$dir"/{mon,osd,rgw,run,log}
  local fsid mon_port conf keyring access secret
  fsid=$(cat /proc/sys/kernel/random/uuid)
  mon_port=$(free_port)
  conf=$dir/ceph.conf
  keyring=$dir/keyring
  access=${S3_ACCESS_KEY_ID:-$(random_token 20 'A-Z0-9')}
  secret=${S3_SECRET_ACCESS_KEY:-$(random_token 40 'a-zA-Z0-9')}

  cat >"$conf" <<EOF
[global]
fsid = $fsid
mon host = v2:127.0.0.1:$mon_port
mon initial members = a
auth cluster required = cephx
auth service required = cephx
auth client required = cephx
keyring = $keyring
run dir = $dir/run
admin socket = $dir/run/\$name.asok
pid file = $dir/run/\$name.pid
log file = $dir/log/\$name.log
ms bind ipv6 = false
# One OSD: every pool keeps one copy, and the few placement groups rgw's pools need fit under the per-OSD cap.
osd pool default size = 1
osd pool default min size = 1
osd pool default pg num = 8
osd pool default pgp num = 8
osd pool default pg autoscale mode = off
osd crush chooseleaf type = 0
mon allow pool size one = true
mon allow pool delete = true
mon max pg per osd = 1000
mon data avail warn = 1
mon data avail crit = 0
osd objectstore = memstore
memstore device bytes = ${CEPH_MEMSTORE_BYTES:-4294967296}

[mon.a]
mon data = $dir/mon

[osd.0]
osd data = $dir/osd

[client.rgw.a]
rgw data = $dir/rgw
rgw frontends = beast endpoint=127.0.0.1:$port
rgw thread pool size = 64
# Deleted objects' data goes to garbage collection, by default after 2 h; memstore keeps it in RAM until then.
rgw gc obj min wait = 0
rgw gc processor period = 5
EOF

  ceph-authtool --create-keyring "$keyring" --gen-key -n mon. --cap mon 'allow *' >/dev/null
  ceph-authtool "$keyring" --gen-key -n client.admin --cap mon 'allow *' --cap osd 'allow *' --cap mgr 'allow *' >/dev/null
  ceph-authtool "$keyring" --gen-key -n osd.0 --cap mon 'allow profile osd' --cap osd 'allow *' --cap mgr 'allow profile osd' >/dev/null
  ceph-authtool "$keyring" --gen-key -n client.rgw.a --cap mon 'allow rw' --cap osd 'allow rwx' --cap mgr 'allow rw' >/dev/null

  monmaptool --create --fsid "$fsid" --addv a "[v2:127.0.0.1:$mon_port]" "$dir/monmap" >/dev/null
  ceph-mon -c "$conf" -i a --mkfs --monmap "$dir/monmap" --keyring "$keyring" 2>>"$dir/log/setup.log"
  ceph-mon -c "$conf" -i a 2>>"$dir/log/setup.log"

  local osd_uuid osd_id
  osd_uuid=$(cat /proc/sys/kernel/random/uuid)
  osd_id=$(ceph -c "$conf" -n client.admin --connect-timeout 20 osd new "$osd_uuid" 2>>"$dir/log/setup.log")
  [[ "$osd_id" == 0 ]] || { echo "ceph-rgw: expected osd id 0, got '$osd_id' (logs: $dir/log)" >&2; exit 1; }
  ceph-osd -c "$conf" -i 0 --mkfs --osd-uuid "$osd_uuid" 2>>"$dir/log/setup.log" >/dev/null
  ceph-osd -c "$conf" -i 0 2>>"$dir/log/setup.log"

  radosgw -c "$conf" -n client.rgw.a 2>>"$dir/log/setup.log"
  radosgw-admin -c "$conf" -n client.admin user create --uid=shipyard --display-name=Shipyard \
    --access-key="$access" --secret="$secret" >/dev/null 2>>"$dir/log/setup.log"
  wait_for 60 "radosgw on port $port" gateway_answers "$port"

  local lines
  lines=$(printf 'S3_ENDPOINT=http://127.0.0.1:%s\nS3_REGION=us-east-1\nS3_ACCESS_KEY_ID=%s\nS3_SECRET_ACCESS_KEY=%s\n' \
    "$port" "$access" "$secret")
  printf '%s\n' "$lines" >"$env_file"
  printf '%s\n' "$lines"
}

command=${1:-}
dir=${2:-}
[[ -n "$command" && -n "$dir" ]] || usage
mkdir -p "$(dirname "$dir")"
dir=$(cd "$(dirname "$dir")" && pwd)/$(basename "$dir")

case "$command" in
  start)
    port=${3:-$(free_port)}
    env_file=${4:-$dir/s3.env}
    trap 'status=$?; if ((status != 0)); then stop_cluster; fi' EXIT
    start_cluster "$port" "$env_file"
    ;;
  stop)
    stop_cluster
    [[ "${3:-}" == --keep ]] || rm -rf "$dir"
    ;;
  *) usage ;;
esac
