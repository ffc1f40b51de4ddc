"""One InvokeEndpoint with the installed boto3 sagemaker-runtime client, as a user's code would make it.

argv: endpoint_url endpoint_name content_type; the body on stdin. Prints JSON: the answer (status, content_type,
variant, body) or the modeled exception boto3 raised (raised, code, original_status).
"""
import json
import sys

import boto3

url, endpoint, content_type = sys.argv[1:4]
runtime = boto3.client("sagemaker-runtime", endpoint_url=url, region_name="us-east-1",
                       aws_access_key_id="demo", aws_secret_access_key="demo")
try:
    answer = runtime.invoke_endpoint(EndpointName=endpoint, ContentType=content_type, Body=sys.stdin.buffer.read())
    print(json.dumps({"status": answer["ResponseMetadata"]["HTTPStatusCode"], "content_type": answer["ContentType"],
                      "variant": answer.get("InvokedProductionVariant"), "body": answer["Body"].read().decode()}))
except runtime.exceptions.ModelError as e:
    print(json.dumps({"raised": "ModelError", "code": e.response["Error"]["Code"],
                      "original_status": e.response.get("OriginalStatusCode")}))
except runtime.exceptions.ValidationError as e:
    print(json.dumps({"raised": "ValidationError", "code": e.response["Error"]["Code"]}))
