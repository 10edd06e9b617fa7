#!/usr/bin/env bash
# Adds every public symbol the PublicApiAnalyzers report as undeclared (RS0016) to PublicAPI.Unshipped.txt
# of the project given (default src/OpenIvs.Client), and drops entries it reports as gone (RS0017).
# Review the diff: it is the change to the public API.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
project="${1:-$root/src/OpenIvs.Client/OpenIvs.Client.csproj}"
dir="$(dirname "$project")"
log="$(mktemp)"
dotnet build "$project" --nologo -v q -clp:ErrorsOnly -p:TreatWarningsAsErrors=false -p:WarningsAsErrors=RS0016%3BRS0017 >"$log" 2>&1 || true
python3 - "$log" "$dir/PublicAPI.Unshipped.txt" "$dir/PublicAPI.Shipped.txt" <<'PY'
import re, sys
log, unshipped, shipped = sys.argv[1:4]
text = open(log).read()
added = set(re.findall(r"RS0016: Symbol '(.*?)' is not part of the declared public API", text))
removed = set(re.findall(r"RS0017: Symbol '(.*?)' is part of the declared API, but is either not public or could not be found", text))
lines = [l for l in open(unshipped).read().splitlines() if l and l != '#nullable enable']
lines = sorted((set(lines) | added) - removed, key=lambda l: l.lstrip('~').replace('const ', '').replace('static ', '').replace('override ', '').replace('abstract ', '').replace('virtual ', '').lower())
open(unshipped, 'w').write('#nullable enable\n' + ''.join(l + '\n' for l in lines))
print(f"PublicAPI.Unshipped.txt: +{len(added)} -{len(removed)}")
PY
rm -f "$log"
