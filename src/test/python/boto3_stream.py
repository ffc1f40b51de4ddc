"""InvokeEndpointWithResponseStream with the installed boto3 sagemaker-runtime client, as a user's code would make it.

argv: endpoint_url. stdin: a JSON list of calls, each {"endpoint", "body", "inference_id"?, "custom_attributes"?,
"target_variant"?, "accept"?}. Prints a JSON list, one result per call: the response's headers as boto3 parsed them,
every PayloadPart's bytes (base64) in order as the EventStream iterator gave them, and, when boto3 raised, the
exception's class, its error code and message (with the parts that came before it).
"""
import base64
import json
import sys

import boto3
from botocore.config import Config

url = sys.argv[1]
runtime = boto3.client("sagemaker-runtime", endpoint_url=url, region_name="us-east-1",
                       aws_access_key_id="demo", aws_secret_access_key="demo",
                       config=Config(retries={"max_attempts": 1}, read_timeout=30))
results = []
for call in json.load(sys.stdin):
    args = {"EndpointName": call["endpoint"], "Body": call["body"].encode(), "ContentType": "application/json"}
    for key, name in (("inference_id", "InferenceId"), ("custom_attributes", "CustomAttributes"),
                      ("target_variant", "TargetVariant"), ("accept", "Accept")):
        if key in call:
            args[name] = call[key]
    result = {"endpoint": call["endpoint"], "parts": []}
    try:
        answer = runtime.invoke_endpoint_with_response_stream(**args)
        result["status"] = answer["ResponseMetadata"]["HTTPStatusCode"]
        result["request_id"] = answer["ResponseMetadata"].get("RequestId")
        result["content_type"] = answer.get("ContentType")
        result["variant"] = answer.get("InvokedProductionVariant")
        result["custom_attributes"] = answer.get("CustomAttributes")
        for event in answer["Body"]:
            if "PayloadPart" in event:
                result["parts"].append(base64.b64encode(event["PayloadPart"]["Bytes"]).decode())
            else:
                result.setdefault("other_events", []).append(list(event))
    except runtime.exceptions.ModelError as e:
        result.update(raised="ModelError", code=e.response["Error"]["Code"],
                      status=e.response["ResponseMetadata"]["HTTPStatusCode"])
    except runtime.exceptions.ValidationError as e:
        result.update(raised="ValidationError", code=e.response["Error"]["Code"],
                      status=e.response["ResponseMetadata"]["HTTPStatusCode"])
    except runtime.exceptions.ClientError as e:
        # errors inside the stream: botocore's EventStreamError, a ClientError with the event's exception type as code
        result.update(raised=type(e).__name__, code=e.response["Error"]["Code"],
                      message=e.response["Error"].get("Message"),
                      error_code=e.response.get("ErrorCode"),
                      status=e.response.get("ResponseMetadata", {}).get("HTTPStatusCode"))
    results.append(result)
print(json.dumps(results))
