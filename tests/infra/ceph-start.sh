#!/usr/bin/env bash
# Minimal single-node Ceph Pacific (Debian 12 packages ceph-mon ceph-osd radosgw ceph-common):
# 1 mon + 1 OSD + radosgw (beast) on 127.0.0.1, no mgr, no systemd, no cephadm. Run as root.
# Creates a test user (S3_ACCESS_KEY/S3_SECRET_KEY) and the buckets named in S3_BUCKETS; the default
# placement has the storage classes STANDARD and STANDARD_IA.
# Stop with ceph-stop.sh (same CEPH_DIR).
#
# OSD_STORE: bluestore (default) keeps objects in a sparse file under CEPH_DIR, so a multi-GB
# upload costs disk, not RAM (~6 s to start); memstore keeps every object in RAM (~1.5 s).
# SSE-KMS uses Ceph's "testing" KMS backend: key ids testkey-1 and testkey-2, with random key
# material made for this cluster only, and no TLS required (test only).
set -euo pipefail
D=${CEPH_DIR:-${TMPDIR:-/tmp}/coffer-test-ceph}
RGW_PORT=${RGW_PORT:-57480}
MON_V2=${MON_V2:-53300}; MON_V1=${MON_V1:-56789}
OSD_STORE=${OSD_STORE:-bluestore}        # bluestore | memstore
S3_ACCESS_KEY=${S3_ACCESS_KEY:-TESTACCESSKEY0000001}
S3_SECRET_KEY=${S3_SECRET_KEY:-testsecretkey0000000000000000000000000001}
S3_BUCKETS=${S3_BUCKETS:-}

T0=$EPOCHREALTIME
phase(){ [ -n "${CEPH_TRACE:-}" ] && awk -v a="$T0" -v b="$EPOCHREALTIME" -v m="$*" 'BEGIN{printf "[%5.2f s] %s\n", b-a, m}' >&2 || true; }
rm -rf "$D"; mkdir -p "$D"/{mon.a,osd.0,log,run,rgw}
FSID=$(cat /proc/sys/kernel/random/uuid)
kms_key(){ head -c 32 /dev/urandom | base64; }
cat > "$D/ceph.conf" <<CONF
[global]
fsid = $FSID
mon initial members = a
mon host = [v2:127.0.0.1:$MON_V2,v1:127.0.0.1:$MON_V1]
public addr = 127.0.0.1
cluster addr = 127.0.0.1
ms bind ipv6 = false
ms bind port min = 56800
ms bind port max = 56899
auth cluster required = cephx
auth service required = cephx
auth client required = cephx
keyring = $D/keyring
run dir = $D/run
admin socket = $D/run/\$name.asok
log file = $D/log/\$name.log
pid file = $D/run/\$name.pid
osd pool default size = 1
osd pool default min size = 1
osd pool default pg num = 8
osd pool default pgp num = 8
osd pool default pg autoscale mode = off
osd crush chooseleaf type = 0
mon allow pool size one = true
mon allow pool delete = true
mon max pg per osd = 1000
# commit osdmap changes at once instead of batching for 1 s (each pool create = 2 epochs)
paxos propose interval = 0.01
paxos min wait = 0.001
mon warn on pool no redundancy = false
auth allow insecure global id reclaim = false
mon data avail warn = 1
mon data avail crit = 0
[mon.a]
mon data = $D/mon.a
[osd.0]
osd data = $D/osd.0
osd objectstore = $OSD_STORE
memstore device bytes = 8589934592
bluestore block path = $D/osd.0.block
bluestore block create = true
bluestore block size = 21474836480
bluestore fsck on mount = false
osd memory target = 1073741824
[client.rgw.a]
rgw frontends = beast endpoint=127.0.0.1:$RGW_PORT
rgw data = $D/rgw
rgw enable usage log = false
# deleted/overwritten tail objects: reclaim after 60 s instead of 2 h (memstore keeps them in RAM)
rgw gc obj min wait = 60
rgw gc processor period = 60
# SSE-KMS with the built-in testing backend (keys in this file; never for production)
rgw crypt s3 kms backend = testing
rgw crypt s3 kms encryption keys = testkey-1=$(kms_key) testkey-2=$(kms_key)
rgw crypt require ssl = false
CONF
C=(-c "$D/ceph.conf")
ceph-authtool --create-keyring "$D/keyring" --gen-key -n mon. --cap mon 'allow *' >/dev/null
ceph-authtool "$D/keyring" --gen-key -n client.admin --cap mon 'allow *' --cap osd 'allow *' --cap mgr 'allow *' --cap mds 'allow *' >/dev/null
ceph-authtool "$D/keyring" --gen-key -n osd.0 --cap mon 'allow profile osd' --cap osd 'allow *' --cap mgr 'allow profile osd' >/dev/null
ceph-authtool "$D/keyring" --gen-key -n client.rgw.a --cap mon 'allow rw' --cap osd 'allow rwx' --cap mgr 'allow rw' >/dev/null
monmaptool --create --addv a "[v2:127.0.0.1:$MON_V2,v1:127.0.0.1:$MON_V1]" --fsid "$FSID" "$D/monmap" >/dev/null
ceph-mon "${C[@]}" --mkfs -i a --monmap "$D/monmap" --keyring "$D/keyring"
ceph-mon "${C[@]}" -i a
phase "mon started"
OSD_UUID=$(cat /proc/sys/kernel/random/uuid)
ceph "${C[@]}" osd new "$OSD_UUID" >/dev/null           # -> id 0
phase "osd registered"
ceph-osd "${C[@]}" -i 0 --mkfs --osd-uuid "$OSD_UUID" >"$D/log/osd-mkfs.out" 2>&1
phase "osd mkfs done"
ceph-osd "${C[@]}" -i 0 2>"$D/log/osd.0.stderr"
# wait for the OSD to be up
for i in $(seq 1 120); do
  ceph "${C[@]}" osd stat 2>/dev/null | grep -q "1 up" && break; sleep 0.5
done
ceph "${C[@]}" osd stat | grep -q "1 up" || { echo "osd.0 did not come up" >&2; tail -30 "$D/log/osd.0.log" >&2; exit 1; }
phase "osd up"
# A second storage class on the default placement, so lifecycle rules that move objects to a colder
# class (CopyObject with StorageClass) are tested for real: STANDARD_IA, in a data pool of its own.
# Set before radosgw starts (it reads its placement at start); "user list" makes the default
# zonegroup and zone as radosgw would on its first start (placement add alone does not).
radosgw-admin "${C[@]}" -n client.admin user list >/dev/null
radosgw-admin "${C[@]}" -n client.admin zonegroup placement add --rgw-zonegroup default \
  --placement-id default-placement --storage-class STANDARD_IA >/dev/null
radosgw-admin "${C[@]}" -n client.admin zone placement add --rgw-zone default \
  --placement-id default-placement --storage-class STANDARD_IA --data-pool default.rgw.standard-ia.data >/dev/null
phase "storage class STANDARD_IA added"
radosgw "${C[@]}" -n client.rgw.a
# wait for rgw to answer (it creates its pools on first start)
for i in $(seq 1 240); do
  curl -s -o /dev/null "http://127.0.0.1:$RGW_PORT/" && break; sleep 0.5
done
curl -s -o /dev/null "http://127.0.0.1:$RGW_PORT/" || { echo "radosgw not answering" >&2; tail -30 "$D/log/client.rgw.a.log" >&2; exit 1; }
phase "rgw answering"
radosgw-admin "${C[@]}" user create --uid=test --display-name=test \
  --access-key="$S3_ACCESS_KEY" --secret-key="$S3_SECRET_KEY" >/dev/null
phase "user created"
for b in $S3_BUCKETS; do
  curl -sf -o /dev/null -X PUT --aws-sigv4 "aws:amz:us-east-1:s3" --user "$S3_ACCESS_KEY:$S3_SECRET_KEY" \
    -H "x-amz-content-sha256: UNSIGNED-PAYLOAD" "http://127.0.0.1:$RGW_PORT/$b" || { echo "could not create bucket $b" >&2; exit 1; }
done
phase "buckets created"
echo "radosgw up: http://127.0.0.1:$RGW_PORT  access=$S3_ACCESS_KEY secret=$S3_SECRET_KEY"
