"""Invokes an endpoint N times with the real boto3 sagemaker-runtime client; prints each outcome as one JSON list.

Usage: python3 boto3_budget.py GATEWAY_URL ENDPOINT N. A refusal is observed as boto3 raises it: the modeled
exception's name, its error code and message, the HTTP status and the Retry-After header.
"""
import json
import sys
import uuid

import boto3
from botocore.config import Config

gateway, endpoint, count = sys.argv[1], sys.argv[2], int(sys.argv[3])
client = boto3.client(
    "sagemaker-runtime",
    endpoint_url=gateway,
    region_name="us-east-1",
    aws_access_key_id="sagewatch",
    aws_secret_access_key="sagewatch",
    config=Config(retries={"total_max_attempts": 1}),
)
outcomes = []
for _ in range(count):
    inference_id = "boto3-budget-" + str(uuid.uuid4())
    try:
        answer = client.invoke_endpoint(
            EndpointName=endpoint, Body=b'{"x": 1}', ContentType="application/json", InferenceId=inference_id
        )
        outcomes.append({"inference_id": inference_id, "status": answer["ResponseMetadata"]["HTTPStatusCode"]})
    except client.exceptions.ClientError as e:
        outcomes.append(
            {
                "inference_id": inference_id,
                "raised": type(e).__name__,
                "code": e.response["Error"]["Code"],
                "message": e.response["Error"]["Message"],
                "status": e.response["ResponseMetadata"]["HTTPStatusCode"],
                "retry_after": e.response["ResponseMetadata"]["HTTPHeaders"].get("retry-after"),
            }
        )
print(json.dumps(outcomes))
