#!/usr/bin/env bash
# Stop the daemons started by ceph-start.sh (by their pid files, same CEPH_DIR) and delete the cluster.
# Throwaway data: SIGTERM all three at once, SIGKILL whatever is left after 3 s
# (radosgw alone needs 6-11 s for a clean SIGTERM shutdown).
D=${CEPH_DIR:-${TMPDIR:-/tmp}/coffer-test-ceph}
pids=()
for n in client.rgw.a osd.0 mon.a; do
  f="$D/run/$n.pid"; [ -f "$f" ] || continue
  pid=$(cat "$f"); kill "$pid" 2>/dev/null && pids+=("$pid")
done
for i in $(seq 1 30); do
  alive=0; for p in "${pids[@]}"; do kill -0 "$p" 2>/dev/null && alive=1; done
  [ $alive = 0 ] && break; sleep 0.1
done
for p in "${pids[@]}"; do kill -9 "$p" 2>/dev/null; done
for p in "${pids[@]}"; do while kill -0 "$p" 2>/dev/null; do sleep 0.05; done; done
rm -rf "$D"
