-- One chat completion in OpenAI's wire format; with PORTKEY_CUSTOM_HOST set, routed by Portkey's OpenAI provider to
-- that host (the model fake's OpenAI route).
wrk.method = "POST"
wrk.body = '{"model":"bench","messages":[{"role":"system","content":"You answer in one sentence."},'
  .. '{"role":"user","content":"What does the gateway record for every inference?"}],"max_tokens":32}'
wrk.headers["Content-Type"] = "application/json"
wrk.headers["Authorization"] = "Bearer bench"
local host = os.getenv("PORTKEY_CUSTOM_HOST")
if host then
  wrk.headers["x-portkey-provider"] = "openai"
  wrk.headers["x-portkey-custom-host"] = host
end
