#!/usr/bin/env bash
# Replays every variant of every catalog scenario against real servers (redis-server, PostgreSQL,
# Azurite for the blob-* scenarios), Toxiproxy and client processes (locksim real) and prints one
# line per variant: real verdict, simulated verdict, and whether they agree. It runs in real time
# (about 45 minutes for the whole catalog); a variant real mode refuses (a power loss, a cut to a
# blob node, a SQL Server node, say) is listed as refused with the reason. Exit code 0 when every
# variant that ran agrees with the simulation, 1 otherwise.
#   npm run real:catalog                 the whole catalog
#   npm run real:catalog -- gc-pause     only the scenarios named
#   npm run real:catalog -- 'blob-*'     the scenarios whose names match (the blob leases on Azurite)
set -uo pipefail
cd "$(dirname "$0")/.."
locksim=(node bin/locksim.js)
mapfile -t all < <("${locksim[@]}" list --json | node -e 'let s="";process.stdin.on("data",d=>s+=d).on("end",()=>{for(const x of JSON.parse(s).scenarios)console.log(x.name)})')
if [ "$#" -gt 0 ]; then
  names=()
  for pattern in "$@"; do
    matched=0
    for name in "${all[@]}"; do
      # shellcheck disable=SC2053 # the pattern is a glob on purpose
      if [[ $name == $pattern ]]; then names+=("$name"); matched=1; fi
    done
    [ "$matched" -eq 1 ] || { echo "real:catalog: no catalog scenario matches '$pattern' (locksim list shows them)" >&2; exit 2; }
  done
else
  names=("${all[@]}")
fi
agree=0; disagree=0; refused=0
for name in "${names[@]}"; do
  mapfile -t variants < <("${locksim[@]}" list --json | node -e 'let s="";process.stdin.on("data",d=>s+=d).on("end",()=>{const x=JSON.parse(s).scenarios.find(v=>v.name===process.argv[1]);for(const v of x?x.variants:[])console.log(v.name)})' "$name")
  for variant in "${variants[@]}"; do
    out=$("${locksim[@]}" real "$name" --variant "$variant" --no-reports 2>&1)
    line=$(printf '%s\n' "$out" | grep -E '^real: .* simulated: .* agree' | tail -1)
    differs=$(printf '%s\n' "$out" | grep -m1 -E '^!! DISAGREEMENT: ' )
    if [ -n "$line" ]; then
      agree=$((agree + 1))
      echo "$name/$variant: ${line#real: }"
    elif [ -n "$differs" ]; then
      disagree=$((disagree + 1))
      echo "$name/$variant: ${differs#!! DISAGREEMENT: }"
    else
      refused=$((refused + 1))
      echo "$name/$variant: did not run: $(printf '%s\n' "$out" | grep -E 'locksim: ' | tail -1)"
    fi
  done
done
echo "real mode: $agree agree, $disagree disagree, $refused did not run"
[ "$disagree" -eq 0 ]
