# Shared by the bench scripts (sourced): free ports, the record table, and the gateway's flags for a loopback run.

free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }

export AWS_ACCESS_KEY_ID=bench AWS_SECRET_ACCESS_KEY=bench AWS_DEFAULT_REGION=us-east-1 AWS_EC2_METADATA_DISABLED=true

# create_table DYNAMO_PORT: the record table as production has it (InferenceTable.createRequest), before the gateway
# starts, so that no run times the table's creation.
create_table() {
  for _ in $(seq 1 100); do aws dynamodb list-tables --endpoint-url "http://127.0.0.1:$1" > /dev/null 2>&1 && break; sleep 0.2; done
  aws dynamodb create-table --endpoint-url "http://127.0.0.1:$1" --table-name sagewatch-inferences \
    --billing-mode PAY_PER_REQUEST \
    --attribute-definitions AttributeName=inference_id,AttributeType=S AttributeName=request_id,AttributeType=S \
      AttributeName=endpoint,AttributeType=S AttributeName=received_at,AttributeType=S \
    --key-schema AttributeName=inference_id,KeyType=HASH AttributeName=request_id,KeyType=RANGE \
    --global-secondary-indexes 'IndexName=by-endpoint,KeySchema=[{AttributeName=endpoint,KeyType=HASH},{AttributeName=received_at,KeyType=RANGE}],Projection={ProjectionType=ALL}' \
    > /dev/null
}

# gateway_flags HTTP_PORT DYNAMO_PORT MODEL_PORT: system properties for the jar, static credentials, loopback only.
gateway_flags() {
  echo "-Dquarkus.http.port=$1 -Dquarkus.http.host=127.0.0.1" \
    "-Dquarkus.dynamodb.endpoint-override=http://127.0.0.1:$2 -Dquarkus.dynamodb.aws.region=us-east-1" \
    "-Dquarkus.dynamodb.aws.credentials.type=static" \
    "-Dquarkus.dynamodb.aws.credentials.static-provider.access-key-id=bench" \
    "-Dquarkus.dynamodb.aws.credentials.static-provider.secret-access-key=bench" \
    "-Dsagewatch.sagemaker.endpoint-override=http://127.0.0.1:$3 -Dsagewatch.sagemaker.region=us-east-1" \
    "-Dsagewatch.sagemaker.access-key-id=bench -Dsagewatch.sagemaker.secret-access-key=bench"
}
