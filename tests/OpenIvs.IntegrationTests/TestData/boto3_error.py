"""Calls one IVS operation with boto3 and prints what boto3 shows for the error, as JSON.

usage: boto3_error.py ENDPOINT ACCESS_KEY SECRET_KEY OPERATION PARAMS_JSON
prints {"code": ..., "message": ..., "text": str(error)} or {"ok": true} when the call succeeds.
"""
import json
import sys

import boto3
from botocore.config import Config
from botocore.exceptions import ClientError

endpoint, access_key, secret_key, operation, params = sys.argv[1:6]
client = boto3.client(
    "ivs",
    endpoint_url=endpoint,
    region_name="us-west-2",
    aws_access_key_id=access_key,
    aws_secret_access_key=secret_key,
    config=Config(retries={"max_attempts": 1, "mode": "standard"}),
)
try:
    getattr(client, operation)(**json.loads(params))
    print(json.dumps({"ok": True}))
except ClientError as error:
    print(json.dumps({"code": error.response["Error"]["Code"], "message": error.response["Error"]["Message"], "text": str(error)}))
