#!/usr/bin/env python3
"""Writes a wrk Lua script that replays SigV4-signed IVS requests (signed with botocore, the AWS CLI's own
signer). Signatures stay valid for 5 minutes, longer than one wrk run.

usage: sign.py ENDPOINT REGION KEY SECRET OUT.lua OPERATION BODY [BODY ...]
Several bodies are sent round-robin (for example the pages of a listing)."""
import json
import sys
from urllib.parse import urlparse

from botocore.auth import SigV4Auth
from botocore.awsrequest import AWSRequest
from botocore.credentials import Credentials

endpoint, region, key, secret, out, operation, *bodies = sys.argv[1:]
credentials = Credentials(key, secret)
requests = []
for body in bodies:
    request = AWSRequest(method="POST", url=f"{endpoint}/{operation}", data=body.encode(),
                         headers={"Content-Type": "application/json"})
    SigV4Auth(credentials, "ivs", region).add_auth(request)
    headers = dict(request.headers.items())
    headers["Host"] = urlparse(endpoint).netloc  # signed as "host"; wrk does not add it to formatted requests
    requests.append({"path": f"/{operation}", "body": body, "headers": headers})


def lua_string(text):
    return json.dumps(text)


with open(out, "w") as f:
    f.write("local requests = {}\n")
    for i, r in enumerate(requests, 1):
        headers = ", ".join(f"[{lua_string(k)}] = {lua_string(v if isinstance(v, str) else v.decode())}" for k, v in r["headers"].items())
        f.write(f"requests[{i}] = wrk.format(\"POST\", {lua_string(r['path'])}, {{{headers}}}, {lua_string(r['body'])})\n")
    f.write("""
local counter = 0
request = function()
  counter = counter + 1
  return requests[(counter % #requests) + 1]
end
local failures = 0
response = function(status, headers, body)
  if status >= 400 then failures = failures + 1 end
end
done = function(summary, latency, requests)
  io.write(string.format("RESULT rps=%.0f p50_ms=%.2f p99_ms=%.2f errors=%d non2xx_or_3xx=%d\\n",
    summary.requests / (summary.duration / 1e6), latency:percentile(50) / 1000, latency:percentile(99) / 1000,
    summary.errors.connect + summary.errors.read + summary.errors.write + summary.errors.timeout, summary.errors.status))
end
""")
