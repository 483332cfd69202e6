#!/bin/sh
# usage: gen-zones.sh DIR  -> DIR/*.zone and DIR/zones.list (one zone a line)
# The 20 DNSBL zones of ../shared/recipes/local-servers.md (17 IP lists, dbl, zrd, and
# blocked.test that answers every name 127.255.255.254), following the recipe's data: each
# IP list lists the RFC 5782 test points 127.0.0.2 and ::FFFF:7F00:2 with its real code(s)
# and a TXT reason; 127.0.0.1 and ::FFFF:7F00:1 are absent. Added for decoding tests, outside
# the test points: every documented code of a list at 192.0.2.N (code 127.0.0.N), DNSWL's
# category/trust pairs at 198.51.X.Y (code 127.0.X.Y), the error codes, an answer outside
# 127/8, and DBL/ZRD domains per code.
set -e
D=$1; mkdir -p "$D"; cd "$D"
V6L=2.0.0.0.0.0.f.7.f.f.f.f.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0
soa() { printf '$ORIGIN %s.\n$TTL 300\n@ SOA ns.test. hostmaster.test. 1 3600 600 86400 300\n@ NS ns.test.\n' "$1"; }
# extra "192.0.2.N -> 127.0.0.N" codes per list
extra() {
  case $1 in
  zen.spamhaus.org) echo "2 3 4 5 6 7 9 10 11 30" ;;
  sbl.spamhaus.org) echo "2 3 9 30" ;;
  xbl.spamhaus.org) echo "4 5 6 7" ;;
  pbl.spamhaus.org) echo "10 11" ;;
  rep.mailspike.net) echo "10 11 12 13 14 15 16 17 18 19 20" ;;
  dnsbl.dronebl.org) echo "2 3 5 6 7 8 9 10 11 12 13 14 15 16 17 18 19 255" ;;
  esac
}
: > zones.list
while read -r z codes; do
  { soa "$z"
    for c in $codes; do
      echo "2.0.0.127 A $c"; echo "$V6L A $c"
    done
    echo "2.0.0.127 TXT \"listed: test point, see https://$z/\""
    for n in $(extra "$z"); do echo "$n.2.0.192 A 127.0.0.$n"; done
    case $z in
    *.spamhaus.org)
      for n in 252 254 255; do echo "$n.2.0.192 A 127.255.255.$n"; done ;;
    list.dnswl.org)
      for x in 2 3 4 5 6 7 8 9 10 11 12 13 14 15 20; do
        for y in 0 1 2 3; do echo "$y.$x.51.198 A 127.0.$x.$y"; done
      done
      echo "255.2.0.192 A 127.0.0.255" ;;
    psbl.surriel.com)
      echo "99.2.0.192 A 192.0.2.1" ;;
    esac
  } > "$z.zone"; echo "$z" >> zones.list
done <<'L'
zen.spamhaus.org 127.0.0.2 127.0.0.4 127.0.0.10
sbl.spamhaus.org 127.0.0.2
xbl.spamhaus.org 127.0.0.4
pbl.spamhaus.org 127.0.0.10
sbl-xbl.spamhaus.org 127.0.0.2 127.0.0.4
b.barracudacentral.org 127.0.0.2
bl.spamcop.net 127.0.0.2
bl.mailspike.net 127.0.0.2
rep.mailspike.net 127.0.0.10
dnsbl-1.uceprotect.net 127.0.0.2
dnsbl-2.uceprotect.net 127.0.0.2
dnsbl-3.uceprotect.net 127.0.0.2
psbl.surriel.com 127.0.0.2
ix.dnsbl.manitu.net 127.0.0.2
dnsbl.dronebl.org 127.0.0.3
bl.blocklist.de 127.0.0.2
list.dnswl.org 127.0.10.0
L
# domain lists (RFC 5782 sec. 5: TEST listed, INVALID never listed); an IP-style query
# (x.0.0.127) to the domain list answers the error code 127.0.1.255
{ soa dbl.spamhaus.org; echo "test A 127.0.1.2"; echo "dbltest.com A 127.0.1.2"
  echo "test TXT \"listed: DBL test\""; echo "*.0.0.127 A 127.0.1.255"
  for c in 2:spam 4:phish 5:malware 6:botnet 102:abused-spam 103:abused-redirector \
           104:abused-phish 105:abused-malware 106:abused-botnet; do
    echo "${c#*:}.example A 127.0.1.${c%%:*}"
  done; } > dbl.spamhaus.org.zone
{ soa zrd.spamhaus.org; echo "test A 127.0.2.2"; echo "hours24.example A 127.0.2.24"; } \
  > zrd.spamhaus.org.zone
echo dbl.spamhaus.org >> zones.list; echo zrd.spamhaus.org >> zones.list
# a list that "blocks your resolver": every name answers 127.255.255.254
{ soa blocked.test; echo "* A 127.255.255.254"; echo "* TXT \"open resolver blocked\""; } > blocked.test.zone
echo blocked.test >> zones.list
