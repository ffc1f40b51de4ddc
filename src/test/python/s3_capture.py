"""Data Capture's files as boto3 sees them in moto's S3.

  s3_capture.py URL create BUCKET          -> creates the bucket
  s3_capture.py URL read BUCKET PREFIX     -> prints {"KEY": ["line", ...], ...} for every object under PREFIX
"""
import json
import sys

import boto3


def main():
    url, action, bucket = sys.argv[1], sys.argv[2], sys.argv[3]
    s3 = boto3.client("s3", endpoint_url=url, region_name="us-east-1",
                      aws_access_key_id="test", aws_secret_access_key="test")
    if action == "create":
        s3.create_bucket(Bucket=bucket)
        print("{}")
        return
    prefix = sys.argv[4]
    files = {}
    for page in s3.get_paginator("list_objects_v2").paginate(Bucket=bucket, Prefix=prefix):
        for item in page.get("Contents", []):
            body = s3.get_object(Bucket=bucket, Key=item["Key"])["Body"].read().decode("utf-8")
            files[item["Key"]] = body.splitlines()
    json.dump(files, sys.stdout)


if __name__ == "__main__":
    main()
