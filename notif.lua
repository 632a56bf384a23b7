wrk.method = "POST"
wrk.body = '{"message":"m","order_id":"o-1","event_type":"order.created"}'
counter = 0
request = function()
  counter = counter + 1
  return wrk.format(nil, nil, {["Idempotency-Key"] = "k" .. counter}, nil)
end
