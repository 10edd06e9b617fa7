#!/usr/bin/env python3
"""Creates N channels through boto3 (concurrently) and prints the signed bodies of every ListChannels page
of PAGE items, one JSON body per line, for the paging benchmark.

usage: seed.py ENDPOINT REGION KEY SECRET COUNT PAGE > pages.txt"""
import json
import sys
from concurrent.futures import ThreadPoolExecutor

import boto3
from botocore.config import Config

endpoint, region, key, secret, count, page = sys.argv[1:]
client = boto3.client("ivs", endpoint_url=endpoint, region_name=region, aws_access_key_id=key,
                      aws_secret_access_key=secret, config=Config(max_pool_connections=32, retries={"max_attempts": 10}))
with ThreadPoolExecutor(16) as pool:
    list(pool.map(lambda i: client.create_channel(name=f"bench-{i}"), range(int(count))))

token = None
while True:
    body = {"maxResults": int(page)}
    if token:
        body["nextToken"] = token
    print(json.dumps(body, separators=(",", ":")))
    result = client.list_channels(**body)
    token = result.get("nextToken")
    if not token:
        break
