#!/usr/bin/env bash
# The whole test suite, on a new machine: installs what the tests need, builds, runs every .NET test
# project and the JavaScript tests, then the API, ingest and playback suites again on PostgreSQL (a throw-away
# cluster), and ends with one line: "N passed, N failed".
set -uo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root"
results="$root/artifacts/test-results"
rm -rf "$results" && mkdir -p "$results"

"$root/scripts/install-test-deps.sh" || { echo "0 passed, 1 failed (installing test dependencies failed)"; exit 1; }

echo "== build"
dotnet build "$root/OpenIvs.slnx" -c Release --nologo -v quiet -clp:ErrorsOnly || { echo "0 passed, 1 failed (build failed)"; exit 1; }
# The CLI as users run it (the integration and JavaScript tests start this binary).
dotnet publish "$root/src/OpenIvs.Cli/OpenIvs.Cli.csproj" -c Release -o "$root/artifacts/cli" --nologo -v quiet && touch "$root/artifacts/cli/.built" \
  || { echo "0 passed, 1 failed (publish failed)"; exit 1; }
export OPENIVS_CLI_DLL="$root/artifacts/cli/openivs.dll"

status=0
for project in "$root"/tests/*/*.csproj; do
  name="$(basename "$project" .csproj)"
  echo "== $name"
  dotnet test "$project" -c Release --no-build --nologo \
    --logger "trx;LogFileName=$results/$name.trx" --logger "console;verbosity=minimal" || status=1
done

if [ -f "$root/tests/js/package.json" ]; then
  echo "== JavaScript tests (node --test)"
  (cd "$root/tests/js" && node --test --test-concurrency=1 --test-reporter=spec --test-reporter-destination=stdout \
     --test-reporter=tap --test-reporter-destination="$results/js.tap" test/) || status=1
fi

# The same API, ingest and playback suites on PostgreSQL (OPENIVS_TEST_POSTGRES: a throw-away cluster, a database
# per server). The JavaScript API-only files spread their calls over three nodes (tests/js/lib/server.js, layoutFor).
echo "== OpenIvs.Server.Tests on PostgreSQL (API, ingest, playback)"
OPENIVS_TEST_POSTGRES=1 dotnet test "$root/tests/OpenIvs.Server.Tests/OpenIvs.Server.Tests.csproj" -c Release --no-build --nologo \
  --filter "FullyQualifiedName~OpenIvs.Server.Tests.Api.|FullyQualifiedName~OpenIvs.Server.Tests.Ingest.|FullyQualifiedName~OpenIvs.Server.Tests.Playback." \
  --logger "trx;LogFileName=$results/OpenIvs.Server.Tests.postgres.trx" --logger "console;verbosity=minimal" || status=1

if [ -f "$root/tests/js/package.json" ]; then
  echo "== JavaScript tests on PostgreSQL (node --test)"
  (cd "$root/tests/js" && OPENIVS_TEST_LAYOUT='{"nodes":3,"api":[0,1,2],"ingest":1,"playback":2}' node lib/with-postgres.js \
     node --test --test-concurrency=1 --test-reporter=spec --test-reporter-destination=stdout \
     --test-reporter=tap --test-reporter-destination="$results/js.postgres.tap" test/) || status=1
fi

python3 "$root/scripts/summarize-tests.py" "$results"
summary=$?
[ $status -eq 0 ] && [ $summary -eq 0 ]
