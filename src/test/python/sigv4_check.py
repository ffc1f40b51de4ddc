"""Checks a captured request (at the SageMaker fake or the table gate) against botocore's SigV4, an independent signer.

Reads {"method", "path", "headers": [[name, value], ...], "body_base64"} on stdin; argv: host access_key secret region
service.
Prints JSON: the signed header names, and whether botocore computes the same signature over them.
"""
import base64
import json
import sys

from botocore.auth import SigV4Auth
from botocore.awsrequest import AWSRequest
from botocore.credentials import Credentials

captured = json.load(sys.stdin)
host, access_key, secret, region, service = sys.argv[1:6]
headers = {}
for name, value in captured["headers"]:
    headers.setdefault(name.lower(), value)
authorization = headers["authorization"]
fields = dict(part.strip().split("=", 1) for part in authorization.split(" ", 1)[1].split(","))
signed_names = fields["SignedHeaders"].split(";")
scope = fields["Credential"].split("/")
body = base64.b64decode(captured["body_base64"])

# Only the headers the gateway signed; botocore signs every header it is given.
request = AWSRequest(method=captured["method"], url="http://" + host + captured["path"], data=body,
                     headers={name: headers[name] for name in signed_names if name in headers})
request.context["timestamp"] = headers["x-amz-date"]
auth = SigV4Auth(Credentials(access_key, secret), service, region)
canonical = auth.canonical_request(request)
expected = auth.signature(auth.string_to_sign(request, canonical), request)
print(json.dumps({
    "signed_headers": signed_names,
    "scope": scope[2:],
    "signature_matches": expected == fields["Signature"],
    "canonical_request": canonical,
}))
