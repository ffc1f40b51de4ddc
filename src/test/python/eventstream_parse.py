"""Parses an event stream (base64 on stdin) with botocore's own parser, as boto3 reads
InvokeEndpointWithResponseStream: prints each message's headers and payload (base64) as JSON lines.
Chunk size (bytes fed at a time) is the first argument."""
import base64
import json
import sys

from botocore.eventstream import EventStreamBuffer

data = base64.b64decode(sys.stdin.read())
step = int(sys.argv[1])
buffer = EventStreamBuffer()
for i in range(0, len(data), step):
    buffer.add_data(data[i:i + step])
    for message in buffer:
        print(json.dumps({"headers": message.headers,
                          "payload": base64.b64encode(message.payload).decode()}))
