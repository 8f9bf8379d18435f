-- bench/post.lua — wrk script: POST the tutorial's order to OrderService.
wrk.method = "POST"
wrk.path = "/OrderService/ProcessOrder"
wrk.headers["Content-Type"] = "application/json"
wrk.body = '{"userId":"user123","productId":"prod456","quantity":2,' ..
           '"amount":99.99,"weight":5.5,"destination":"New York"}'
