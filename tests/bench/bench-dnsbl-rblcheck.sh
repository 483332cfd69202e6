#!/bin/sh
# usage: bench-dnsbl-rblcheck.sh ZONE,ZONE,... ROUNDS
# Debian's rblcheck only asks the resolv.conf servers on port 53. Where this runs as root and
# unshare(1) can make private mount and network namespaces, it starts an NSD with the same 20
# zones (tests/data/dnsbl/gen-zones.sh) on 127.0.0.1:53 inside a fresh network namespace,
# bind-mounts a resolv.conf naming it there, and times ROUNDS runs of
# `rblcheck -c -s ZONE... 127.0.0.2`; the host's port 53 and /etc/resolv.conf are untouched.
# Otherwise it prints why it is skipped.
Z=$1; R=${2:-20}
H=$(dirname "$(readlink -f "$0")")
GEN=$H/../data/dnsbl/gen-zones.sh
skip() { echo "rblcheck: skipped ($1)"; exit 0; }
command -v rblcheck >/dev/null 2>&1 || skip "rblcheck not installed (Debian package rblcheck)"
NSD=$(PATH=$PATH:/usr/sbin:/sbin command -v nsd) || skip "nsd not installed"
[ "$(id -u)" = 0 ] || skip "needs root for unshare -m -n"
unshare -m -n true 2>/dev/null || skip "unshare -m -n not permitted here"
W=$(mktemp -d) || skip "no temporary folder"
trap 'rm -rf "$W"' EXIT
sh "$GEN" "$W/z" >/dev/null || skip "zone generation failed"
{ printf 'server:\n  ip-address: 127.0.0.1@53\n  username: ""\n  chroot: ""\n  zonesdir: "%s/z"\n' "$W"
  printf '  database: ""\n  zonelistfile: "%s/zone.list"\n  xfrdfile: "%s/xfrd.state"\n' "$W" "$W"
  printf '  pidfile: "%s/nsd.pid"\n  logfile: "%s/nsd.log"\n  server-count: 1\n' "$W" "$W"
  printf 'remote-control:\n  control-enable: no\n'
  while read -r z; do printf 'zone:\n  name: %s\n  zonefile: %s.zone\n' "$z" "$z"; done < "$W/z/zones.list"
} > "$W/nsd.conf"
echo "nameserver 127.0.0.1" > "$W/resolv.conf"
ARGS=$(echo "$Z" | tr ',' '\n' | sed 's/^/-s /' | tr '\n' ' ')
unshare -m -n sh -c '
  ip link set lo up 2>/dev/null || ifconfig lo up 2>/dev/null || exit 3
  mount --bind "$1/resolv.conf" /etc/resolv.conf || exit 4
  "$2" -c "$1/nsd.conf" || exit 5
  for i in $(seq 100); do rblcheck -q -c -s zen.spamhaus.org 127.0.0.2 >/dev/null 2>&1; [ $? -ne 0 ] && break; sleep 0.02; done
  out=$(rblcheck -c '"$ARGS"' 127.0.0.2 2>&1)
  echo "rblcheck 127.0.0.2 output (note the error answers it counts as listings):"
  echo "$out" | sed "s/^/    /"
  t0=$(date +%s%N)
  i=0; while [ $i -lt "$3" ]; do rblcheck -q -c '"$ARGS"' 127.0.0.2 >/dev/null 2>&1; i=$((i+1)); done
  t1=$(date +%s%N)
  n=$(echo '"$ARGS"' | wc -w); n=$((n/2))
  ms=$(( (t1-t0)/1000000 ))
  echo "rblcheck, $n lists one by one (one process per run): $3 runs in $ms ms: $(( (t1-t0)/1000/$3 )) us per run, $(( n*$3*1000/(ms>0?ms:1) )) list lookups/s"
  kill $(cat "$1/nsd.pid") 2>/dev/null
  sleep 0.3
' sh "$W" "$NSD" "$R" || skip "the namespace setup failed (status $?)"
