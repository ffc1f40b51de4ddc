-- A tabular inference: one JSON record of twelve features (numbers and categories), as a classic model takes.
wrk.method = "POST"
wrk.body = '{"age": 41, "income": 52314.5, "tenure_months": 27, "plan": "premium", "region": "eu-west",'
  .. ' "calls_last_30d": 12, "data_gb": 3.75, "late_payments": 0, "discount": 0.15, "device": "android",'
  .. ' "support_tickets": 2, "satisfaction": 4.2}'
wrk.headers["Content-Type"] = "application/json"
