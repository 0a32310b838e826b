-- wrk script: POST a recharge for a random number (so purchases do not all queue on one line)
-- env: BENCH_PATH, BENCH_PLAN_ID, BENCH_TOKEN (empty for the bare endpoint)
local path = os.getenv("BENCH_PATH")
local plan_id = os.getenv("BENCH_PLAN_ID")
local token = os.getenv("BENCH_TOKEN") or ""
math.randomseed(os.time() + tonumber(tostring({}):sub(8), 16) % 100000)

request = function()
  local phone = string.format("8%09d", math.random(0, 999999999))
  local body = string.format(
    '{"plan_id": %s, "recipient_phone_number": "%s", "payment_method": "upi"}', plan_id, phone)
  local headers = {["Content-Type"] = "application/json"}
  if token ~= "" then headers["Authorization"] = "Bearer " .. token end
  return wrk.format("POST", path, headers, body)
end

done = function(summary, latency, requests)
  io.write(string.format("BENCH_RESULT rps=%.1f p99_ms=%.2f errors=%d non2xx=%d\n",
    summary.requests / (summary.duration / 1e6), latency:percentile(99) / 1000,
    summary.errors.connect + summary.errors.read + summary.errors.write + summary.errors.timeout,
    summary.errors.status))
end
