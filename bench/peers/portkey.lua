-- The same inference through Portkey's gateway: its SageMaker provider signs (SigV4) for a custom host, the model fake.
wrk.method = "POST"
wrk.body = '{"inputs": "the gateway measures the latency of the model"}'
wrk.headers["Content-Type"] = "application/json"
wrk.headers["x-portkey-provider"] = "sagemaker"
wrk.headers["x-portkey-custom-host"] = os.getenv("PORTKEY_MODEL_URL")
wrk.headers["x-portkey-aws-access-key-id"] = "bench"
wrk.headers["x-portkey-aws-secret-access-key"] = "bench"
wrk.headers["x-portkey-aws-region"] = "us-east-1"
