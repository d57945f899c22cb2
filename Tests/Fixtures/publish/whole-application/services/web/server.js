// A stand-in for the realtime web front end: answers its health check on PORT.
const http = require("http");
http.createServer((request, response) => {
  response.writeHead(request.url === "/health" ? 200 : 404);
  response.end("ok");
}).listen(Number(process.env.PORT), process.env.HOST || "127.0.0.1");
