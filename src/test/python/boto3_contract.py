"""Black-box contract: the real boto3 sagemaker-runtime client against the gateway, endpoint URL changed only.

Usage: python3 boto3_contract.py GATEWAY_URL. Prints one JSON object mapping each case to its observations.
"""
import json
import sys
import uuid

import boto3
from botocore.config import Config

gateway = sys.argv[1]
client = boto3.client(
    "sagemaker-runtime",
    endpoint_url=gateway,
    region_name="us-east-1",
    aws_access_key_id="sagewatch",
    aws_secret_access_key="sagewatch",
    # one attempt: the gateway's answers are observed as they are, not boto3's retries of them
    config=Config(retries={"total_max_attempts": 1}),
)
results = {}

inference_id = "boto3-" + str(uuid.uuid4())
answer = client.invoke_endpoint(
    EndpointName="echo",
    Body=b'{"instances": [[1.0, 2.0]]}',
    ContentType="application/json",
    Accept="application/json",
    CustomAttributes="trace=boto3",
    TargetVariant="blue",
    InferenceId=inference_id,
)
results["success"] = {
    "body": answer["Body"].read().decode(),
    "content_type": answer["ContentType"],
    "variant": answer["InvokedProductionVariant"],
    "custom_attributes": answer.get("CustomAttributes"),
    "status": answer["ResponseMetadata"]["HTTPStatusCode"],
    "request_id": answer["ResponseMetadata"].get("RequestId"),
    "inference_id": inference_id,
}

modeled = {
    "error-model": "ModelError",
    "error-validation": "ValidationError",
    "other-model": "ValidationError",
    "error-not-ready": "ModelNotReadyException",
    "error-internal": "InternalFailure",
    "error-unavailable": "ServiceUnavailable",
    "error-dependency": "InternalDependencyException",
}
for endpoint, exception_name in modeled.items():
    exception_class = getattr(client.exceptions, exception_name)
    try:
        client.invoke_endpoint(EndpointName=endpoint, Body=b"{}", ContentType="application/json")
        results[endpoint] = {"raised": None}
    except exception_class as e:
        results[endpoint] = {
            "raised": exception_name,
            "code": e.response["Error"]["Code"],
            "status": e.response["ResponseMetadata"]["HTTPStatusCode"],
            "message": e.response["Error"].get("Message"),
            "original_status": e.response.get("OriginalStatusCode"),
            "original_message": e.response.get("OriginalMessage"),
            "log_stream_arn": e.response.get("LogStreamArn"),
        }
    except Exception as e:  # the wrong exception: report it rather than crash
        results[endpoint] = {"raised": type(e).__name__, "detail": str(e)}

try:
    client.invoke_endpoint(EndpointName="throttled", Body=b"{}")
    results["throttled"] = {"raised": None}
except client.exceptions.ClientError as e:
    results["throttled"] = {
        "raised": type(e).__name__,
        "code": e.response["Error"]["Code"],
        "status": e.response["ResponseMetadata"]["HTTPStatusCode"],
    }

print(json.dumps(results))
